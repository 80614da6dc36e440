package cli

import (
	"context"
	"fmt"
	"strings"

	"destek/internal/auth"
	"destek/internal/desk"
)

func runToken(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "usage: destek token create --name NAME [--role agent|supervisor|admin]")
		return errUsage
	}
	fs := newFlags(e, "token create", "token create --name NAME [--role agent|supervisor|admin] [--data DIR] [--db URL]")
	var db dbFlags
	db.register(fs)
	name := fs.String("name", "", "what the token is for (required)")
	role := fs.String("role", "agent", "the role the token acts with: agent, supervisor or admin")
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		fmt.Fprintln(e.stderr, "--name is required")
		fs.Usage()
		return errUsage
	}
	if !desk.AgentRole(*role).Valid() {
		return fmt.Errorf("--role %q: use agent, supervisor or admin", *role)
	}
	secret, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	t := &desk.APIToken{Name: strings.TrimSpace(*name), Role: desk.AgentRole(*role), Hash: hash}
	if err := s.CreateToken(desk.WithActor(ctx, cliActor), t); err != nil {
		return err
	}
	// Only the secret goes to standard output, so scripts can capture it.
	fmt.Fprintln(e.stdout, secret)
	return nil
}
