// Package storetest holds the conformance suite that every desk.Store
// implementation must pass, and helpers that give other packages' tests a
// real, fresh store: SQLite always, PostgreSQL too when DESTEK_TEST_POSTGRES
// names a server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for schema set-up

	"destek/internal/desk"
	"destek/internal/store/postgres"
	"destek/internal/store/sqlite"
)

// PostgresEnv is the environment variable with the URL of a PostgreSQL
// database the tests may create and drop schemas in, for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const PostgresEnv = "DESTEK_TEST_POSTGRES"

// OpenSQLite returns a fresh, migrated SQLite store in t.TempDir(), closed
// when the test ends.
func OpenSQLite(t testing.TB) desk.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "destek.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return s
}

// OpenPostgres returns a fresh, migrated PostgreSQL store in a schema of its
// own, dropped when the test ends. It skips the test when
// DESTEK_TEST_POSTGRES is not set.
func OpenPostgres(t testing.TB) desk.Store {
	t.Helper()
	u := PostgresSchema(t)
	s, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return s
}

// PostgresSchema creates an empty schema in the DESTEK_TEST_POSTGRES
// database, registers its removal at cleanup, and returns a URL whose
// connections use it. It skips the test when the variable is not set.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	SkipWithoutPostgres(t)
	base := os.Getenv(PostgresEnv)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, got %q", PostgresEnv, base)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "destek_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("postgres: %v", err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn as the subtest "sqlite" on a fresh SQLite store and as the
// subtest "postgres" on a fresh PostgreSQL store; the latter skips, saying
// how to enable it, when DESTEK_TEST_POSTGRES is not set.
func Each(t *testing.T, fn func(t *testing.T, s desk.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
}

// SkipWithoutPostgres skips the test, saying how to enable it, when
// DESTEK_TEST_POSTGRES is not set.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a database URL to run them, e.g. %s='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'", PostgresEnv, PostgresEnv)
	}
}
