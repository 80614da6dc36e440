package postgres_test

import (
	"context"
	"sync"
	"testing"

	"destek/internal/store/postgres"
	"destek/internal/store/storetest"
)

// TestMigrateConcurrently starts several nodes on one empty schema at once,
// each with its own connection pool, and has them all migrate. The advisory
// lock must let exactly one apply the migrations: every call succeeds and
// the seed rows exist once.
func TestMigrateConcurrently(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx := context.Background()
	const nodes = 4
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	qs, err := s.ListQueues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 6 {
		t.Errorf("%d queues after concurrent migrations, want the 6 seeded once", len(qs))
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Errorf("schema version %d, %v", v, err)
	}
}
