package storetest

import (
	"context"
	"testing"

	"destek/internal/desk"
)

// TestEach checks that Each hands every subtest a fresh, migrated store.
func TestEach(t *testing.T) {
	Each(t, func(t *testing.T, s desk.Store) {
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := s.CountAgents(ctx)
		if err != nil || n != 0 {
			t.Fatalf("a fresh store has %d agents (%v)", n, err)
		}
		if err := s.CreateAgent(ctx, &desk.Agent{Email: "each@example.com", Name: "Each", Role: desk.RoleAgent}, "h"); err != nil {
			t.Fatal(err)
		}
	})
}
