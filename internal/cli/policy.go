package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"destek/internal/desk"
	"destek/internal/policy"
)

func runPolicy(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: destek policy check|show|diff|publish|versions [flags]")
		return errUsage
	}
	switch args[0] {
	case "check":
		return runPolicyCheck(e, args[1:])
	case "diff":
		return runPolicyDiff(ctx, e, args[1:])
	case "show":
		return runPolicyShow(ctx, e, args[1:])
	case "publish":
		return runPolicyPublish(ctx, e, args[1:])
	case "versions":
		return runPolicyVersions(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "destek policy: unknown subcommand %q; use check, show, diff, publish or versions\n", args[0])
	return errUsage
}

// errProblems says a policy file has problems that were already printed.
type errProblems int

func (n errProblems) Error() string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", int(n))
}

// readPolicyFile reads and checks one file, printing its problems.
func readPolicyFile(e env, path string) (*policy.Document, []byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	doc, err := policy.Parse(path, src)
	if ps, ok := err.(policy.Problems); ok {
		for _, p := range ps {
			fmt.Fprintln(e.stderr, p)
		}
		return nil, nil, errProblems(len(ps))
	}
	return doc, src, err
}

func runPolicyCheck(e env, args []string) error {
	fs := newFlags(e, "policy check", "policy check FILE")
	if err := parseN(fs, args, 1); err != nil {
		return err
	}
	doc, _, err := readPolicyFile(e, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: ok — %d articles, %d scope categories, %d conduct categories, %d critical operations\n",
		fs.Arg(0), len(doc.Articles), len(doc.Scope.Categories), len(doc.Conduct.Categories), len(doc.CriticalOperations))
	return nil
}

// loadPolicyRef reads a policy named on the command line: a file path,
// "default" for the built-in policy, or "@N" for published version N.
func loadPolicyRef(ctx context.Context, e env, db *dbFlags, ref string) (*policy.Document, error) {
	switch {
	case ref == "default":
		return policy.Default(), nil
	case strings.HasPrefix(ref, "@"):
		n, err := strconv.Atoi(ref[1:])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: name a published version as @1, @2, …", ref)
		}
		s, err := db.open(ctx)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		v, err := s.PolicyVersion(ctx, n)
		if err != nil {
			return nil, err
		}
		return policy.Parse(ref, []byte(v.Source))
	}
	doc, _, err := readPolicyFile(e, ref)
	return doc, err
}

func runPolicyDiff(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "policy diff", "policy diff [--data DIR] [--db URL] A B   (each a file, default, or @N for published version N)")
	var db dbFlags
	db.register(fs)
	if err := parseN(fs, args, 2); err != nil {
		return err
	}
	a, err := loadPolicyRef(ctx, e, &db, fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := loadPolicyRef(ctx, e, &db, fs.Arg(1))
	if err != nil {
		return err
	}
	changes := policy.Diff(a, b)
	for _, c := range changes {
		fmt.Fprintln(e.stdout, c)
	}
	if len(changes) == 0 {
		fmt.Fprintln(e.stdout, "no differences")
	}
	return nil
}

func runPolicyShow(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "policy show", "policy show [--version N] [--data DIR] [--db URL]")
	var db dbFlags
	db.register(fs)
	version := fs.Int("version", 0, "show this published version instead of the one in force")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var v *desk.PolicyVersion
	if *version > 0 {
		v, err = s.PolicyVersion(ctx, *version)
	} else {
		v, err = s.PolicyInForce(ctx, time.Now())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "# version %d, published %s\n", v.Version, v.PublishedAt.UTC().Format(time.RFC3339))
	_, err = e.stdout.Write([]byte(v.Source))
	return err
}

func runPolicyPublish(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "policy publish", "policy publish [--data DIR] [--db URL] FILE")
	var db dbFlags
	db.register(fs)
	if err := parseN(fs, args, 1); err != nil {
		return err
	}
	_, src, err := readPolicyFile(e, fs.Arg(0))
	if err != nil {
		return err
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.PublishPolicy(desk.WithActor(ctx, cliActor), string(src))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "published version %d, in force from %s\n", v.Version, v.PublishedAt.UTC().Format(time.RFC3339))
	return nil
}

func runPolicyVersions(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "policy versions", "policy versions [--data DIR] [--db URL]")
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
	vs, err := s.PolicyVersions(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tPUBLISHED\tBY\tSHA-256")
	for _, v := range vs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", v.Version, v.PublishedAt.UTC().Format(time.RFC3339), v.PublishedBy.Kind, v.SHA256[:16])
	}
	return tw.Flush()
}
