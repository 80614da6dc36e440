package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"destek/internal/auth"
	"destek/internal/channel/email"
	"destek/internal/desk"
	"destek/internal/http/api"
	"destek/internal/intake"
	"destek/internal/policy"
)

func runServe(ctx context.Context, e env, args []string) error {
	// Everything serve starts ends with this context, whether a signal or a
	// failed listener ends the server.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fs := newFlags(e, "serve", "serve [--addr HOST:PORT] [--data DIR] [--db URL] [--smtp-addr HOST:PORT] [--smtp-relay HOST:PORT] [--imap-addr HOST:PORT]")
	var db dbFlags
	db.register(fs)
	addr := fs.String("addr", envOr("DESTEK_ADDR", "127.0.0.1:8080"), "address to listen on; env DESTEK_ADDR")
	logLevel := fs.String("log-level", envOr("DESTEK_LOG_LEVEL", "info"), "log level: debug, info, warn, error; env DESTEK_LOG_LEVEL")
	secure := fs.Bool("secure-cookies", os.Getenv("DESTEK_SECURE_COOKIES") == "1", "mark session cookies Secure (set behind HTTPS); env DESTEK_SECURE_COOKIES=1")
	var smtpf smtpFlags
	smtpf.register(fs)
	var outf outboundFlags
	outf.register(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := smtpf.check(); err != nil {
		return err
	}
	if err := outf.check(); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))

	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	login, err := ensureAdmin(ctx, s)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another destek running? pick another --addr)", *addr, err)
	}
	url := "http://" + ln.Addr().String()
	smtpLn, err := smtpf.listen()
	if err != nil {
		ln.Close()
		return err
	}
	if login != nil {
		// Printed once, to the terminal rather than the log: the log may be
		// shipped elsewhere and must not carry a password.
		fmt.Fprintf(e.stdout, "first start: an admin was created — e-mail %s, password %s\n", login.email, login.password)
		fmt.Fprintf(e.stdout, "change the password with: destek user passwd --email %s\n", login.email)
	}
	if smtpLn != nil {
		defer smtpLn.Close() // Serve owns it once started; this covers a failed start
		fmt.Fprintf(e.stdout, "destek accepts mail at smtp://%s\n", smtpLn.Addr())
	}
	fmt.Fprintf(e.stdout, "destek is running at %s\n", url)

	keeper, err := policy.NewKeeper(ctx, s)
	if err != nil {
		return err
	}
	// A version published on another node takes effect here within this
	// interval; one published on this node, at once.
	go keeper.Watch(ctx, 10*time.Second, logger)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	secret, err := email.ReplySecret(ctx, s)
	if err != nil {
		return err
	}
	out, err := startOutbound(ctx, &outf, s, keeper, secret, logger)
	if err != nil {
		return err
	}
	defer out.stop()
	// One policy path for the API and the e-mail intake; tickets that mail
	// opens are acknowledged when mail can be sent.
	in := intake.NewDesk(out.ackStore(s), intake.NewJudge(keeper), logger)
	mail, err := startMail(ctx, &smtpf, smtpLn, s, keeper, in, logger, reg)
	if err != nil {
		return err
	}
	defer mail.stop()
	if err := out.startIMAP(&outf, s, keeper, secret, mail.proc, logger); err != nil {
		return err
	}
	apiCfg := api.Config{
		Store:         s,
		Policy:        keeper,
		Intake:        in,
		Logger:        logger,
		Registry:      reg,
		SecureCookies: *secure,
	}
	if out.out != nil {
		apiCfg.Mailer = out.out
	}
	handler := api.New(apiCfg)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go sweepSessions(ctx, s, logger)

	logger.Info("listening", "url", url, "database", dbKind(db.db), "policy_version", keeper.Current().Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		// Stop the mail intake and the workers too: they end with ctx.
		cancel()
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func dbKind(url string) string {
	if strings.HasPrefix(url, "postgres") {
		return "postgresql"
	}
	return "sqlite"
}

type firstLogin struct{ email, password string }

// ensureAdmin creates an admin with a generated password when the database
// has no agents at all. Several nodes may start together on one PostgreSQL
// database: the loser of the race gets a conflict and prints nothing.
func ensureAdmin(ctx context.Context, s desk.Store) (*firstLogin, error) {
	n, err := s.CountAgents(ctx)
	if err != nil {
		return nil, fmt.Errorf("count agents: %w", err)
	}
	if n > 0 {
		return nil, nil
	}
	password := rand.Text()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	a := &desk.Agent{Email: "admin@destek.local", Name: "Administrator", Role: desk.RoleAdmin, Active: true}
	if err := s.CreateAgent(desk.WithActor(ctx, desk.SystemActor), a, hash); err != nil {
		if desk.ErrorCode(err) == desk.ECONFLICT {
			return nil, nil
		}
		return nil, fmt.Errorf("create the first admin: %w", err)
	}
	return &firstLogin{email: a.Email, password: password}, nil
}

// sweepSessions deletes expired sessions every few minutes.
func sweepSessions(ctx context.Context, s desk.Store, logger *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.SessionDeleteExpired(ctx); err != nil && !errors.Is(err, context.Canceled) {
				logger.Warn("session sweep failed", "err", err)
			}
		}
	}
}
