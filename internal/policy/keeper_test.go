package policy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"destek/internal/desk"
	"destek/internal/policy"
	"destek/internal/store/storetest"
)

func TestKeeperFollowsPublications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		ctx := desk.WithActor(context.Background(), desk.Actor{Kind: desk.ActorAgent, ID: 1, Role: desk.RoleAdmin})
		k, err := policy.NewKeeper(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if cur := k.Current(); cur.Version != 0 || cur.Doc == nil {
			t.Fatalf("before any publication: version %d", cur.Version)
		}
		if err := policy.EnsurePublished(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := policy.EnsurePublished(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := k.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if cur := k.Current(); cur.Version != 1 {
			t.Fatalf("after EnsurePublished (twice): version %d, want 1", cur.Version)
		}

		changed := strings.Replace(string(policy.DefaultSource), "follow_up_window: 15m", "follow_up_window: 10m", 1)
		v, err := k.Publish(ctx, "new.yaml", []byte(changed))
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != 2 || k.Current().Version != 2 || k.Current().Doc.Frequency.FollowUpWindow.String() != "10m" {
			t.Fatalf("after publishing: %+v, current %d", v, k.Current().Version)
		}

		// A broken policy is refused and nothing is stored.
		_, err = k.Publish(ctx, "broken.yaml", []byte("id: x\n"))
		var ps policy.Problems
		if !errors.As(err, &ps) {
			t.Fatalf("publishing a broken policy: %v", err)
		}
		vs, _ := s.PolicyVersions(ctx)
		if len(vs) != 2 || k.Current().Version != 2 {
			t.Fatalf("a broken policy changed the versions: %d stored, current %d", len(vs), k.Current().Version)
		}
	})
}
