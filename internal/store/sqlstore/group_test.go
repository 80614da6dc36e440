package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// openGroupDB returns a DB with group commit on a one-table SQLite file.
func openGroupDB(t *testing.T) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "g.db")
	write, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := write.Exec("CREATE TABLE t (n INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	db := New(Dialect{Name: "sqlite", PrepareStatements: true, GroupCommit: true,
		Time: func(t time.Time) any { return t.Format(TimeLayout) }}, write, read)
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGroupCommitIsolation runs many transactions at once, some failing
// after writing: only the failures are undone.
func TestGroupCommitIsolation(t *testing.T) {
	db := openGroupDB(t)
	ctx := context.Background()
	const n = 64
	errFail := errors.New("fail")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.inTx(ctx, func(x executor) error {
				if _, err := x.ExecContext(ctx, "INSERT INTO t (n) VALUES (?)", i); err != nil {
					return err
				}
				if i%4 == 0 {
					return errFail
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%4 == 0) != errors.Is(err, errFail) || (i%4 != 0 && err != nil) {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if got := count(t, db); got != n-n/4 {
		t.Errorf("%d rows, want %d", got, n-n/4)
	}
	// A constraint error undoes its statement and its transaction only.
	err := db.inTx(ctx, func(x executor) error {
		_, err := x.ExecContext(ctx, "INSERT INTO t (n) VALUES (1)")
		return err
	})
	if err == nil {
		t.Error("a duplicate key was accepted")
	}
}

// TestGroupCommitPanic checks that a panicking transaction panics in its
// caller and commits nothing, and that the writer carries on.
func TestGroupCommitPanic(t *testing.T) {
	db := openGroupDB(t)
	ctx := context.Background()
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want the transaction's panic", v)
			}
		}()
		db.inTx(ctx, func(x executor) error {
			x.ExecContext(ctx, "INSERT INTO t (n) VALUES (1)")
			panic("boom")
		})
	}()
	if got := count(t, db); got != 0 {
		t.Errorf("%d rows after a panic", got)
	}
	if err := db.inTx(ctx, func(x executor) error {
		_, err := x.ExecContext(ctx, "INSERT INTO t (n) VALUES (2)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := count(t, db); got != 1 {
		t.Errorf("%d rows, want 1", got)
	}
}

// TestGroupCommitContext checks that a caller whose context has ended is
// not run, and that writes after Close fail instead of hanging.
func TestGroupCommitContext(t *testing.T) {
	db := openGroupDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.inTx(ctx, func(x executor) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("cancelled: ran %v, err %v", ran, err)
	}
	db.Close()
	err = db.inTx(context.Background(), func(x executor) error { return fmt.Errorf("ran after Close") })
	if !errors.Is(err, errClosed) {
		t.Errorf("after Close: %v", err)
	}
}
