// Package postgres opens destek's store on PostgreSQL with pgx, for running
// several destek nodes on one database.
//
// Statements go through database/sql (pgx's stdlib adapter), which lets the
// SQL of sqlstore serve SQLite and PostgreSQL alike; pgx prepares and caches
// each statement per connection. Migrations hold a session-level advisory
// lock, so nodes starting together migrate one after the other.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"destek/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// MaxConns bounds the connections a node opens.
const MaxConns = 20

// Open connects to the PostgreSQL database at url (postgres://… or
// postgresql://…; a search_path parameter selects the schema) and returns
// the store. It does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	return sqlstore.New(Dialect(), db, db), nil
}

// Dialect returns the PostgreSQL dialect of sqlstore.
func Dialect() sqlstore.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	return sqlstore.Dialect{
		Name:                  "postgres",
		NumberedParams:        true,
		ForUpdate:             " FOR NO KEY UPDATE", // keys never change; do not block foreign-key checks
		Time:                  func(t time.Time) any { return t.UTC() },
		IsUniqueViolation:     func(err error) bool { return hasCode(err, "23505") },
		IsForeignKeyViolation: func(err error) bool { return hasCode(err, "23503") },
		Migrations:            sub,
		GooseDialect:          goose.DialectPostgres,
		SessionLocker:         sessionLocker,
		ErrorAbortsTx:         true,
		Search:                search{},
	}
}

func hasCode(err error, code string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == code
}

// sessionLocker returns goose's advisory-lock locker with a lock id of this
// database and schema: nodes migrating the same schema wait for each other,
// while tests migrating their own schemas side by side do not.
func sessionLocker(ctx context.Context, db *sql.DB) (lock.SessionLocker, error) {
	var dbName, schema string
	if err := db.QueryRowContext(ctx, "SELECT current_database(), current_schema()").Scan(&dbName, &schema); err != nil {
		return nil, fmt.Errorf("find schema: %w", err)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "destek migrate %s.%s", dbName, schema)
	// goose polls pg_try_advisory_lock; poll every second for up to ten
	// minutes, long enough for another node's migration to finish.
	return lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64()>>1)),
		lock.WithLockTimeout(1, 600),
	)
}
