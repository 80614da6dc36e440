package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Group commit. On SQLite every commit appends each page the transaction
// touched to the WAL: a new ticket touches about twenty (the tables, their
// indexes, the two full-text indexes, the audit log), and writing them is
// most of the cost of CreateTicket. One writer goroutine therefore takes the
// write transactions waiting at a time and runs them in one database
// transaction, each inside its own SAVEPOINT, so that pages shared between
// them are written once. A transaction that fails is rolled back to its
// savepoint and fails alone; the others commit together. Callers still see
// one transaction each: it is committed when inTx returns nil.

// maxBatch bounds the transactions committed together, and with it the
// time a caller waits behind others.
const maxBatch = 32

// errClosed is returned by writes after Close.
var errClosed = errors.New("the store is closed")

type groupCommit struct {
	db   *DB
	jobs chan *job // unbuffered: a job is either taken by the writer or not sent
	quit chan struct{}
	done chan struct{}
	stop sync.Once
}

type job struct {
	ctx context.Context
	fn  func(x executor) error
	err chan error
}

// panicked carries a panic of a transaction function back to its caller.
type panicked struct{ v any }

// Error implements error.
func (p panicked) Error() string { return fmt.Sprintf("panic in a write transaction: %v", p.v) }

func newGroupCommit(db *DB) *groupCommit {
	g := &groupCommit{db: db, jobs: make(chan *job), quit: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// run hands fn to the writer and waits for the outcome.
func (g *groupCommit) run(ctx context.Context, fn func(x executor) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &job{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case g.jobs <- j:
	case <-g.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, the job runs to its end even if ctx ends meanwhile:
	// abandoning it would leave the caller not knowing whether it committed.
	err := <-j.err
	if p, ok := err.(panicked); ok {
		panic(p.v)
	}
	return err
}

// close stops the writer after the batch it is running.
func (g *groupCommit) close() {
	g.stop.Do(func() { close(g.quit) })
	<-g.done
}

func (g *groupCommit) loop() {
	defer close(g.done)
	batch := make([]*job, 0, maxBatch)
	for {
		select {
		case j := <-g.jobs:
			batch = append(batch[:0], j)
		case <-g.quit:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		g.commit(batch)
	}
}

// commit runs a batch in one transaction and reports to every job.
func (g *groupCommit) commit(batch []*job) {
	db := g.db
	errs := make([]error, len(batch))
	var later []string
	defer func() {
		for i, j := range batch {
			j.err <- errs[i]
		}
		// The transaction is over: the write connection is free to prepare
		// the statements that ran unprepared.
		for _, q := range later {
			db.stmt(context.Background(), &db.writeStmt, db.write, q)
		}
	}()
	fail := func(err error) {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	tx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	x := executor{db: db, tx: tx, later: &later}
	ctx := context.Background()
	savepoints := len(batch) > 1
	ok := 0
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if savepoints {
			if _, err := x.ExecContext(ctx, "SAVEPOINT batch_job"); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		errs[i] = runJob(j, x)
		if _, isPanic := errs[i].(panicked); isPanic {
			// The transaction is in an unknown state: nothing commits.
			tx.Rollback()
			fail(fmt.Errorf("a transaction committed together with this one panicked"))
			return
		}
		if !savepoints {
			if errs[i] == nil {
				ok++
			}
			continue
		}
		if errs[i] != nil {
			if _, err := x.ExecContext(ctx, "ROLLBACK TO batch_job"); err != nil {
				// SQLite may have rolled back the whole transaction (an I/O
				// error, a full disk): then nothing of the batch stands.
				tx.Rollback()
				fail(fmt.Errorf("roll back to savepoint: %w", err))
				return
			}
		}
		if _, err := x.ExecContext(ctx, "RELEASE batch_job"); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
		if errs[i] == nil {
			ok++
		}
	}
	if ok == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// runJob runs one job's function, turning a panic into an error.
func runJob(j *job, x executor) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked{v}
		}
	}()
	return j.fn(x)
}
