package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"text/tabwriter"

	"destek/internal/auth"
	"destek/internal/desk"
)

// cliActor is the audit actor of changes made from the command line.
var cliActor = desk.Actor{Kind: desk.ActorSystem}

func runUser(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: destek user add|list|passwd [flags]")
		return errUsage
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, e, args[1:])
	case "list":
		return runUserList(ctx, e, args[1:])
	case "passwd":
		return runUserPasswd(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "destek user: unknown subcommand %q; use add, list or passwd\n", args[0])
	return errUsage
}

func runUserAdd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "user add", "user add --email ADDR --name NAME [--role agent|supervisor|admin] [--password-stdin]")
	var db dbFlags
	db.register(fs)
	email := fs.String("email", "", "the agent's login e-mail (required)")
	name := fs.String("name", "", "the agent's display name (required)")
	role := fs.String("role", "agent", "agent, supervisor or admin")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of generating one")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fmt.Fprintln(e.stderr, "--email and --name are required")
		fs.Usage()
		return errUsage
	}
	if !desk.AgentRole(*role).Valid() {
		return fmt.Errorf("--role %q: use agent, supervisor or admin", *role)
	}
	password, generated, err := readOrGeneratePassword(e, *fromStdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	a := &desk.Agent{Email: strings.ToLower(strings.TrimSpace(*email)), Name: *name, Role: desk.AgentRole(*role), Active: true}
	if err := s.CreateAgent(desk.WithActor(ctx, cliActor), a, hash); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s %s (id %d)\n", a.Role, a.Email, a.ID)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n", password)
	}
	return nil
}

func runUserList(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "user list", "user list [--data DIR] [--db URL]")
	var db dbFlags
	db.register(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	agents, err := s.ListAgents(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tACTIVE")
	for _, a := range agents {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\n", a.ID, a.Email, a.Name, a.Role, a.Active)
	}
	return tw.Flush()
}

func runUserPasswd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "user passwd", "user passwd --email ADDR [--password-stdin]")
	var db dbFlags
	db.register(fs)
	email := fs.String("email", "", "the agent's login e-mail (required)")
	fromStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input instead of generating one")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *email == "" {
		fmt.Fprintln(e.stderr, "--email is required")
		fs.Usage()
		return errUsage
	}
	password, generated, err := readOrGeneratePassword(e, *fromStdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.AgentByEmail(ctx, strings.ToLower(strings.TrimSpace(*email)))
	if err != nil {
		return err
	}
	if err := s.SetAgentPassword(desk.WithActor(ctx, cliActor), a.ID, hash); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password changed for %s\n", a.Email)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n", password)
	}
	return nil
}

func readOrGeneratePassword(e env, fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return rand.Text(), true, nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false, fmt.Errorf("--password-stdin: could not read a password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if err := auth.ValidatePassword(line); err != nil {
		return "", false, fmt.Errorf("--password-stdin: %s", describe(err))
	}
	return line, false, nil
}
