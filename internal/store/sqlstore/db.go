// Package sqlstore implements desk.Store once, over database/sql, for every
// SQL database destek runs on. What differs between SQLite and PostgreSQL
// (placeholders, row locks, error codes, full-text search, migrations) sits
// behind the small Dialect seam that the sqlite and postgres packages fill
// in.
//
// All SQL in this package and in the dialects is written with ? placeholders;
// the executor numbers them ($1, $2 …) for dialects that need it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"destek/internal/desk"
)

// Dialect is what an SQL database must tell sqlstore about itself.
type Dialect struct {
	// Name is "sqlite" or "postgres"; it appears in error messages.
	Name string
	// NumberedParams makes the executor rewrite ? placeholders to $1, $2 ….
	NumberedParams bool
	// PrepareStatements makes sqlstore keep prepared statements per query.
	// SQLite needs it for speed; pgx already caches statements per
	// connection, so PostgreSQL does not.
	PrepareStatements bool
	// ForUpdate is appended to SELECTs that read a row in order to change
	// it (" FOR UPDATE" on PostgreSQL; SQLite's single writer needs none).
	ForUpdate string
	// Time converts a UTC time to the driver argument of a timestamp column.
	Time func(time.Time) any

	// IsUniqueViolation and IsForeignKeyViolation classify driver errors.
	IsUniqueViolation     func(error) bool
	IsForeignKeyViolation func(error) bool

	// Migrations holds the goose SQL files at its root.
	Migrations fs.FS
	// GooseDialect names the goose dialect of the migrations.
	GooseDialect goose.Dialect
	// SessionLocker, when set, returns the lock that Migrate holds while it
	// migrates, so that several nodes migrating at once do not race.
	SessionLocker func(ctx context.Context, db *sql.DB) (lock.SessionLocker, error)

	// GroupCommit makes one writer goroutine commit the write transactions
	// waiting at a time together (see group.go). For SQLite, whose single
	// writer pays for every page of every commit.
	GroupCommit bool
	// ErrorAbortsTx says that a failed statement aborts the whole
	// transaction (PostgreSQL), so follow-up queries must go elsewhere.
	ErrorAbortsTx bool

	// Search indexes and searches ticket subjects and message texts.
	Search Searcher
}

// Searcher is the full-text half of a dialect. Texts arrive as written;
// implementations fold them with textfold as their engine needs.
type Searcher interface {
	// IndexTicket indexes a new ticket's subject, or re-indexes it when
	// replace is set (the subject changed).
	IndexTicket(ctx context.Context, x Executor, ticketID int64, subject string, replace bool) error
	// IndexMessage indexes a new message's text.
	IndexMessage(ctx context.Context, x Executor, messageID, ticketID int64, text string) error
	// Search returns the best-ranked document of each matching ticket, best
	// first, at most limit of them. Every term must match in one document.
	Search(ctx context.Context, x Executor, terms []Term, limit int) ([]SearchRow, error)
}

// Term is one word of a search query, as typed and folded.
type Term struct {
	Word   string // as typed, e.g. "Şifremi"
	Folded string // textfold.Fold(Word), never empty
}

// SearchRow is one matching document: a ticket's subject (MessageID nil) or
// a message. Text is the message text, or the subject for subject hits.
type SearchRow struct {
	TicketID  int64
	MessageID *int64
	Rank      float64
	Subject   string
	Text      string
}

// ScanSearchRows reads the rows of a dialect's search query, whose columns
// are ticket_id, message_id (NULL for a subject match), rank, subject, text.
func ScanSearchRows(rows *sql.Rows) ([]SearchRow, error) {
	defer rows.Close()
	var out []SearchRow
	for rows.Next() {
		var r SearchRow
		if err := rows.Scan(&r.TicketID, &r.MessageID, &r.Rank, &r.Subject, &r.Text); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Executor runs SQL with ? placeholders, inside a transaction or not.
type Executor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is a desk.Store on an SQL database.
type DB struct {
	d     Dialect
	write *sql.DB // transactions; SQLite: a single connection
	read  *sql.DB // reads outside transactions; may be the same as write
	now   func() time.Time

	rebound   sync.Map // query → query with numbered placeholders
	readStmt  sync.Map // query → *sql.Stmt on read
	writeStmt sync.Map // query → *sql.Stmt on write

	group *groupCommit // nil unless the dialect asks for group commit
}

var _ desk.Store = (*DB)(nil)

// New returns a store on the given pools. Writes (every transaction) go to
// write and reads outside transactions to read; they may be the same pool.
// New takes ownership: Close closes both.
func New(d Dialect, write, read *sql.DB) *DB {
	db := &DB{d: d, write: write, read: read, now: time.Now}
	if d.GroupCommit {
		db.group = newGroupCommit(db)
	}
	return db
}

// SetClock replaces the clock the store stamps times with (for tests). The
// times are truncated to microseconds, the precision both databases keep.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Now returns the store's current time: UTC, microsecond precision.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Dialect returns the dialect name, "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.Name }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %w", desk.Errorf(desk.EUNAVAILABLE, "the %s database does not answer", db.d.Name), err)
	}
	if db.write != db.read {
		if err := db.write.PingContext(ctx); err != nil {
			return fmt.Errorf("%w: %w", desk.Errorf(desk.EUNAVAILABLE, "the %s database does not answer", db.d.Name), err)
		}
	}
	return nil
}

// Close closes the prepared statements and the pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	for _, m := range []*sync.Map{&db.readStmt, &db.writeStmt} {
		m.Range(func(k, v any) bool {
			v.(*sql.Stmt).Close()
			m.Delete(k)
			return true
		})
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Migrate applies the dialect's embedded migrations with goose, holding the
// dialect's session lock when it has one.
func (db *DB) Migrate(ctx context.Context) error {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.d.SessionLocker != nil {
		l, err := db.d.SessionLocker(ctx, db.write)
		if err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(db.d.GooseDialect, db.write, db.d.Migrations, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", db.d.Name, err)
	}
	return nil
}

// SchemaVersion returns the version of the last applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := goose.NewProvider(db.d.GooseDialect, db.write, db.d.Migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// query returns q with placeholders as the dialect wants them.
func (db *DB) query(q string) string {
	if !db.d.NumberedParams {
		return q
	}
	if v, ok := db.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	r := b.String()
	db.rebound.Store(q, r)
	return r
}

// stmt returns the prepared statement of q on pool, preparing it once.
func (db *DB) stmt(ctx context.Context, cache *sync.Map, pool *sql.DB, q string) (*sql.Stmt, error) {
	if v, ok := cache.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	// Preparing must not fail because the first caller's context ends.
	s, err := pool.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil, err
	}
	if v, loaded := cache.LoadOrStore(q, s); loaded {
		s.Close()
		return v.(*sql.Stmt), nil
	}
	return s, nil
}

// executor runs queries on the read pool, or inside a write transaction.
type executor struct {
	db *DB
	tx *sql.Tx
	// later collects the queries of the transaction that have no prepared
	// statement yet; they are prepared once the transaction ends.
	later *[]string
}

var _ Executor = executor{}

// prepared returns the prepared statement of q, or nil when q is to run
// unprepared this time.
func (x executor) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if x.tx == nil {
		return x.db.stmt(ctx, &x.db.readStmt, x.db.read, q)
	}
	v, ok := x.db.writeStmt.Load(q)
	if !ok {
		// Preparing on the write pool needs its connection, which this
		// transaction holds (SQLite has one): run unprepared now and
		// prepare after the transaction.
		*x.later = append(*x.later, q)
		return nil, nil
	}
	// Reuses the statement already prepared on the transaction's connection.
	return x.tx.StmtContext(ctx, v.(*sql.Stmt)), nil
}

// ExecContext implements Executor.
func (x executor) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = x.db.query(q)
	if x.tx != nil {
		ctx = context.WithoutCancel(ctx) // see inTx
	}
	if x.db.d.PrepareStatements {
		s, err := x.prepared(ctx, q)
		if err != nil {
			return nil, err
		}
		if s != nil {
			return s.ExecContext(ctx, args...)
		}
	}
	if x.tx != nil {
		return x.tx.ExecContext(ctx, q, args...)
	}
	return x.db.read.ExecContext(ctx, q, args...)
}

// QueryContext implements Executor.
func (x executor) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = x.db.query(q)
	if x.tx != nil {
		ctx = context.WithoutCancel(ctx) // see inTx
	}
	if x.db.d.PrepareStatements {
		s, err := x.prepared(ctx, q)
		if err != nil {
			return nil, err
		}
		if s != nil {
			return s.QueryContext(ctx, args...)
		}
	}
	if x.tx != nil {
		return x.tx.QueryContext(ctx, q, args...)
	}
	return x.db.read.QueryContext(ctx, q, args...)
}

// QueryRowContext implements Executor.
func (x executor) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = x.db.query(q)
	if x.tx != nil {
		ctx = context.WithoutCancel(ctx) // see inTx
	}
	if x.db.d.PrepareStatements {
		// A Row cannot carry an error from outside database/sql: when
		// preparing fails, the unprepared query below reports it.
		if s, err := x.prepared(ctx, q); err == nil && s != nil {
			return s.QueryRowContext(ctx, args...)
		}
	}
	if x.tx != nil {
		return x.tx.QueryRowContext(ctx, q, args...)
	}
	return x.db.read.QueryRowContext(ctx, q, args...)
}

// reader returns an executor for reads outside a transaction.
func (db *DB) reader() executor { return executor{db: db} }

// inTx runs fn in a write transaction and commits when it returns nil.
// Statements in fn run to their end even when ctx ends: a statement
// interrupted inside a transaction may roll back the whole transaction, and
// with group commit that is other callers' work too.
func (db *DB) inTx(ctx context.Context, fn func(x executor) error) error {
	if db.group != nil {
		return db.group.run(ctx, fn)
	}
	tx, err := db.write.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	var later []string
	defer func() {
		for _, q := range later {
			// An error here shows again, unprepared, on the next use.
			db.stmt(ctx, &db.writeStmt, db.write, q)
		}
	}()
	if err := fn(executor{db: db, tx: tx, later: &later}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// execWrite runs one write statement in its own transaction and returns
// the number of rows it changed.
func (db *DB) execWrite(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := db.inTx(ctx, func(x executor) error {
		r, err := x.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	return n, err
}

// nullTime converts a nullable time to a driver argument.
func (db *DB) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.d.Time(*t)
}
