package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is destek's version, set at build time with
// -ldflags "-X destek/internal/cli.Version=v1.2.3".
var Version = "dev"

func runVersion(_ context.Context, e env, args []string) error {
	fs := newFlags(e, "version", "version")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	rev := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " " + s.Value[:12]
			}
		}
	}
	fmt.Fprintf(e.stdout, "destek %s%s %s %s/%s\n", Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [--data DIR] [--db URL]")
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
	fmt.Fprintln(e.stdout, "migrations applied")
	return nil
}
