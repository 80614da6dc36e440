package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"destek/internal/desk"
)

// runOutbox shows outgoing mail and queues failed mail again.
func runOutbox(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: destek outbox list|retry [flags]")
		return errUsage
	}
	switch args[0] {
	case "list":
		return runOutboxList(ctx, e, args[1:])
	case "retry":
		return runOutboxRetry(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "destek outbox: unknown subcommand %q; use list or retry\n", args[0])
	return errUsage
}

func runOutboxList(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "outbox list", "outbox list [--state queued|sending|sent|failed] [--ticket ID] [--limit N] [--data DIR] [--db URL]")
	var db dbFlags
	db.register(fs)
	state := fs.String("state", "", "only mail in this state: queued, sending, sent or failed")
	ticket := fs.Int64("ticket", 0, "only mail of this ticket")
	limit := fs.Int("limit", 50, "at most this many, newest first (up to 200)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	f := desk.OutboxFilter{State: desk.OutboxState(*state), Limit: *limit}
	if f.State != "" && !f.State.Valid() {
		return fmt.Errorf("--state %q: use queued, sending, sent or failed", *state)
	}
	if *ticket != 0 {
		f.TicketID = ticket
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	list, _, err := s.ListMail(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTICKET\tKIND\tSTATE\tATTEMPTS\tTO\tQUEUED\tSENT\tLAST ERROR")
	for _, m := range list {
		sent := "-"
		if m.SentAt != nil {
			sent = m.SentAt.Local().Format(time.DateTime)
		}
		to := ""
		if len(m.To) > 0 {
			to = m.To[0]
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", m.ID, m.TicketID, m.Kind, m.State, m.Attempts, to,
			m.CreatedAt.Local().Format(time.DateTime), sent, m.LastError)
	}
	return tw.Flush()
}

func runOutboxRetry(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "outbox retry", "outbox retry [--data DIR] [--db URL] ID…")
	var db dbFlags
	db.register(fs)
	if err := parse(fs, args, 1<<20); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(e.stderr, "name the failed mails to send again, e.g. destek outbox retry 12 15")
		fs.Usage()
		return errUsage
	}
	ids := make([]int64, fs.NArg())
	for i, a := range fs.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a mail id", a)
		}
		ids[i] = id
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, id := range ids {
		m, err := s.RetryMail(desk.WithActor(ctx, cliActor), id)
		if err != nil {
			return fmt.Errorf("mail %d: %w", id, err)
		}
		fmt.Fprintf(e.stdout, "mail %d to %v queued again\n", m.ID, m.To)
	}
	return nil
}
