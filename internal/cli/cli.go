// Package cli implements destek's command line: one function per subcommand,
// each with its own flag set, all taking their streams as arguments so tests
// can drive them like a user does.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"destek/internal/desk"
	"destek/internal/policy"
	"destek/internal/store"
)

// env holds a command's streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":   {"start the HTTP server", runServe},
		"migrate": {"apply database migrations and exit", runMigrate},
		"policy":  {"the support policy: policy check|show|diff|publish|versions", runPolicy},
		"user":    {"manage agents: user add|list|passwd", runUser},
		"token":   {"manage API tokens: token create", runToken},
		"outbox":  {"outgoing mail: outbox list|retry", runOutbox},
		"bench":   {"measure ticket creation through the HTTP API", runBench},
		"version": {"print the version", runVersion},

		"classify": {"classify messages: JSON lines in, JSON lines out", runClassify},
	}
}

// errUsage marks an error already explained by a flag set's usage output.
var errUsage = errors.New("usage")

// Main runs the command line and returns the process exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "destek: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintf(stderr, "destek %s: %s\n", args[0], describe(err))
		return 1
	}
	return 0
}

// describe renders an error for a person at a terminal: desk errors by their
// message (and field), anything else as is.
func describe(err error) string {
	var de *desk.Error
	if errors.As(err, &de) {
		if de.Field != "" {
			return fmt.Sprintf("%s (%s)", de.Message, de.Field)
		}
		return de.Message
	}
	return err.Error()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: destek <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `destek <command> -h` for a command's flags.")
}

// newFlags returns a flag set that prints its usage to e.stderr.
func newFlags(e env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: destek %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and rejects stray positional arguments beyond max.
func parse(fs *flag.FlagSet, args []string, max int) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > max {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args()[max:], " "))
		fs.Usage()
		return errUsage
	}
	return nil
}

// parseN parses args and requires exactly n positional arguments after
// the flags.
func parseN(fs *flag.FlagSet, args []string, n int) error {
	if err := parse(fs, args, n); err != nil {
		return err
	}
	if fs.NArg() != n {
		fs.Usage()
		return errUsage
	}
	return nil
}

// dbFlags registers the flags every command that opens the database takes.
type dbFlags struct {
	data string
	db   string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", envOr("DESTEK_DATA", "./data"), "data directory (SQLite database, generated files); env DESTEK_DATA")
	fs.StringVar(&d.db, "db", os.Getenv("DESTEK_DB"), "database URL: empty for SQLite in the data directory, or postgres://…; env DESTEK_DB")
}

// open opens and migrates the store.
func (d *dbFlags) open(ctx context.Context) (desk.Store, error) {
	s, err := store.Open(ctx, d.db, d.data)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// A fresh install runs the built-in policy, recorded as version 1.
	if err := policy.EnsurePublished(ctx, s); err != nil {
		s.Close()
		return nil, fmt.Errorf("publish the built-in policy: %w", err)
	}
	return s, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
