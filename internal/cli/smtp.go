package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"destek/internal/channel/email"
	"destek/internal/desk"
	"destek/internal/intake"
	"destek/internal/policy"
)

// smtpFlags are serve's flags of the e-mail intake.
type smtpFlags struct {
	addr     string
	hostname string
	maxSize  string
	tlsCert  string
	tlsKey   string
	authUser string

	// Set by check.
	size     int64
	tls      *tls.Config
	authPass string
}

func (f *smtpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "smtp-addr", os.Getenv("DESTEK_SMTP_ADDR"), "address the SMTP intake listens on, e.g. 0.0.0.0:25; empty: no SMTP; env DESTEK_SMTP_ADDR")
	fs.StringVar(&f.hostname, "smtp-hostname", os.Getenv("DESTEK_SMTP_HOSTNAME"), "name the SMTP server greets with (default: the host name); env DESTEK_SMTP_HOSTNAME")
	fs.StringVar(&f.maxSize, "smtp-max-size", envOr("DESTEK_SMTP_MAX_SIZE", "25MiB"), "largest message accepted, in bytes or with KiB/MiB; env DESTEK_SMTP_MAX_SIZE")
	fs.StringVar(&f.tlsCert, "smtp-tls-cert", os.Getenv("DESTEK_SMTP_TLS_CERT"), "PEM certificate (chain) file; with --smtp-tls-key the server offers STARTTLS; env DESTEK_SMTP_TLS_CERT")
	fs.StringVar(&f.tlsKey, "smtp-tls-key", os.Getenv("DESTEK_SMTP_TLS_KEY"), "PEM private key file of --smtp-tls-cert; env DESTEK_SMTP_TLS_KEY")
	fs.StringVar(&f.authUser, "smtp-auth-user", os.Getenv("DESTEK_SMTP_AUTH_USER"),
		"require clients (your relay) to AUTH PLAIN as this user, with the password in env DESTEK_SMTP_AUTH_PASSWORD; env DESTEK_SMTP_AUTH_USER")
}

// check reads the flags' values, so that a mistake stops serve before it
// opens anything.
func (f *smtpFlags) check() error {
	size, err := parseSize(f.maxSize)
	if err != nil {
		return fmt.Errorf("--smtp-max-size: %w", err)
	}
	f.size = size
	f.authPass = os.Getenv("DESTEK_SMTP_AUTH_PASSWORD")
	if (f.authUser == "") != (f.authPass == "") {
		return errors.New("--smtp-auth-user and DESTEK_SMTP_AUTH_PASSWORD go together: set both or neither")
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return errors.New("--smtp-tls-cert and --smtp-tls-key go together: set both or neither")
	}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return fmt.Errorf("--smtp-tls-cert %s, --smtp-tls-key %s: %w", f.tlsCert, f.tlsKey, err)
		}
		f.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return nil
}

// listen opens the SMTP port early, so that serve can print its address
// with the others; nil when no address is set.
func (f *smtpFlags) listen() (net.Listener, error) {
	if f.addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, fmt.Errorf("--smtp-addr: listen on %s: %w (is another mail server running? pick another address)", f.addr, err)
	}
	return ln, nil
}

// mailIntake is the running e-mail intake: the processor of stored mail
// and, when a listener was opened, the SMTP server.
type mailIntake struct {
	srv  *email.Server
	proc *email.Processor // IMAP polling hands it messages too
	done sync.WaitGroup
}

// startMail starts the processor of stored mail — always, so that mail
// stored before a crash is processed even when this node takes none — and
// the SMTP server on ln when it is not nil. ctx ends both; stop waits.
func startMail(ctx context.Context, f *smtpFlags, ln net.Listener, s desk.Store, keeper *policy.Keeper, in *intake.Desk,
	logger *slog.Logger, reg prometheus.Registerer) (*mailIntake, error) {
	secret, err := email.ReplySecret(ctx, s)
	if err != nil {
		return nil, err
	}
	proc, err := email.NewProcessor(email.ProcessorConfig{Store: s, Intake: in, Policy: keeper, Secret: secret, Logger: logger})
	if err != nil {
		return nil, err
	}
	m := &mailIntake{proc: proc}
	if ln != nil {
		cfg := email.ServerConfig{
			Store: s, Policy: keeper, Secret: secret, Processor: proc, Logger: logger, Registerer: reg,
			Domain: f.hostname, MaxMessageBytes: f.size, TLSConfig: f.tls,
			AuthUsername: f.authUser, AuthPassword: f.authPass,
		}
		if cfg.TLSConfig == nil && f.authUser != "" {
			logger.Warn("SMTP AUTH without TLS: the relay's password crosses the network in clear; set --smtp-tls-cert unless the relay is on this host or a private network")
		}
		if m.srv, err = email.NewServer(cfg); err != nil {
			return nil, err
		}
		m.done.Go(func() {
			if err := m.srv.Serve(ln); err != nil {
				logger.Error("SMTP server stopped", "err", err)
			}
		})
		logger.Info("SMTP intake listening", "addr", ln.Addr().String(), "max_size", f.size, "starttls", cfg.TLSConfig != nil, "auth", f.authUser != "")
	}
	m.done.Go(func() { proc.Run(ctx) })
	return m, nil
}

// stop shuts the SMTP server down gracefully (open sessions get a few
// seconds to finish; a message being stored is stored either way) and
// waits for the processor, which stops when serve's context ends.
func (m *mailIntake) stop() {
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m.srv.Shutdown(ctx)
	}
	m.done.Wait()
}

// parseSize reads a byte count, optionally with a KiB or MiB suffix.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "K": 1 << 10, "M": 1 << 20} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, suffix)), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size: write bytes, e.g. 26214400, or 25MiB", s)
	}
	return n * mult, nil
}
