package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"destek/internal/desk"
	"destek/internal/store"
	"destek/internal/store/storetest"
)

func TestOpenSQLiteDefault(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "not", "yet")
	s, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, store.DefaultSQLiteFile)); err != nil {
		t.Errorf("no database file in the data directory: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}

// TestOpenSQLiteReopen checks that data written through one Open is there
// for the next, and that Open itself leaves the schema alone.
func TestOpenSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x", "desk.db")
	s, err := store.Open(ctx, "sqlite:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListQueues(ctx); err == nil {
		t.Error("Open migrated the database; it must leave that to Migrate")
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAccount(ctx, &desk.Account{Name: "Kalıcı"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = store.Open(ctx, "sqlite:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	as, _, err := s.ListAccounts(ctx, desk.AccountFilter{})
	if err != nil || len(as) != 1 || as[0].Name != "Kalıcı" {
		t.Errorf("after reopening: %+v, %v", as, err)
	}
}

func TestOpenPostgres(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx := context.Background()
	s, err := store.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}

func TestOpenBadURL(t *testing.T) {
	ctx := context.Background()
	for _, url := range []string{"mysql://u:secret@h/db", "sqlite:", "destek.db"} {
		s, err := store.Open(ctx, url, t.TempDir())
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) shows the password: %v", url, err)
		}
	}
	if _, err := store.Open(ctx, "", ""); err == nil {
		t.Error("Open with neither URL nor data directory succeeded")
	}
	if _, err := store.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", ""); err == nil {
		t.Error("Open of an unreachable server succeeded")
	}
}
