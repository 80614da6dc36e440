package storetest

import (
	"strings"
	"testing"
	"time"

	"destek/internal/desk"
)

func testPolicyVersions(t *testing.T, s desk.Store) {
	ctx := agentCtx
	if _, err := s.PolicyInForce(ctx, time.Now()); desk.ErrorCode(err) != desk.ENOTFOUND {
		t.Fatalf("PolicyInForce on an empty store: %v, want not_found", err)
	}
	before := time.Now().Add(-time.Second)

	v1, err := s.PublishPolicy(ctx, "id: one\n")
	must(t, err)
	if v1.Version != 1 || v1.PublishedBy != supervisor || len(v1.SHA256) != 64 {
		t.Fatalf("first version = %+v", v1)
	}
	v2, err := s.PublishPolicy(ctx, "id: two\n")
	must(t, err)
	if v2.Version != 2 || !v2.PublishedAt.After(v1.PublishedAt) {
		t.Fatalf("second version = %+v (first published %s)", v2, v1.PublishedAt)
	}

	// In force: the last published at or before the instant.
	if _, err := s.PolicyInForce(ctx, before); desk.ErrorCode(err) != desk.ENOTFOUND {
		t.Errorf("before the first publication: %v, want not_found", err)
	}
	got, err := s.PolicyInForce(ctx, v1.PublishedAt)
	must(t, err)
	if got.Version != 1 || got.Source != "id: one\n" {
		t.Errorf("in force at v1's instant: version %d %q", got.Version, got.Source)
	}
	got, err = s.PolicyInForce(ctx, time.Now().Add(time.Hour))
	must(t, err)
	if got.Version != 2 {
		t.Errorf("in force now: version %d, want 2", got.Version)
	}

	// Earlier versions stay readable.
	old, err := s.PolicyVersion(ctx, 1)
	must(t, err)
	if old.Source != "id: one\n" || old.SHA256 != v1.SHA256 {
		t.Errorf("version 1 read back as %+v", old)
	}
	_, err = s.PolicyVersion(ctx, 3)
	wantErr(t, err, desk.ENOTFOUND, "")

	list, err := s.PolicyVersions(ctx)
	must(t, err)
	if len(list) != 2 || list[0].Version != 2 || list[1].Version != 1 || list[0].Source != "" {
		t.Errorf("versions list = %+v", list)
	}

	_, err = s.PublishPolicy(ctx, "")
	wantErr(t, err, desk.EINVALID, "source")
	_, err = s.PublishPolicy(ctx, strings.Repeat("x", 2<<20))
	wantErr(t, err, desk.EINVALID, "source")

	events := auditOf(t, s, "policy_version", 2)
	if len(events) != 1 || events[0].Action != "policy.publish" || events[0].Actor != supervisor {
		t.Errorf("audit of publication = %+v", events)
	}
}
