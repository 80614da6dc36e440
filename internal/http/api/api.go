// Package api is destek's JSON REST API under /api/v1, with the health,
// readiness and metrics endpoints beside it and the OpenAPI document that
// describes it. Authentication is a server-side session cookie for the
// browser and a bearer token for integrations; every route states the least
// role it needs, in one table (routes.go) that the mux, the guard and the
// OpenAPI test all read.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"

	"destek/internal/auth"
	"destek/internal/desk"
	"destek/internal/intake"
	"destek/internal/policy"
)

// Config is what the API needs. Store is required; the rest have defaults.
type Config struct {
	// Store is the database.
	Store desk.Store
	// Logger receives one line per request and the details of internal
	// errors. Defaults to slog.Default().
	Logger *slog.Logger
	// Registry collects the HTTP metrics and is what /metrics serves.
	// Defaults to a fresh registry.
	Registry *prometheus.Registry
	// SecureCookies marks the session cookie Secure (and names it with the
	// __Host- prefix). Set it whenever destek is served over HTTPS.
	SecureCookies bool

	// SessionLifetime is the absolute lifetime of a login session
	// (default 12 hours).
	SessionLifetime time.Duration
	// PasswordParams are the argon2id parameters for new password hashes
	// (default auth.DefaultParams). Tests use auth.TestParams.
	PasswordParams auth.Params
	// LoginLimits bound failed logins (default auth.DefaultLoginLimits).
	LoginLimits auth.LoginLimits
	// TokenCacheTTL is how long a bearer-token lookup is cached
	// (default auth.DefaultTokenTTL).
	TokenCacheTTL time.Duration

	// MaxAttachmentBytes bounds each attachment (default 10 MiB).
	MaxAttachmentBytes int64
	// MaxUploadBytes bounds a whole multipart request (default 25 MiB).
	MaxUploadBytes int64
	// MaxAttachments bounds the number of files on one message (default 10).
	MaxAttachments int

	// Policy holds the support policy in force; new tickets record its
	// version and the policy endpoints read and publish through it. When
	// nil, one is loaded from Store.
	Policy *policy.Keeper
	// Intake is the policy path of inbound messages; channels share it
	// with the API. When nil, one is built over Store and Policy.
	Intake *intake.Desk
	// Mailer mails replies on e-mail tickets. When nil, replies are
	// stored and not mailed (no outbound mail is configured).
	Mailer Mailer
	// ClientIP returns the client address used to limit failed logins.
	// The default is the host part of RemoteAddr; behind a reverse proxy,
	// supply one that reads the proxy's header.
	ClientIP func(*http.Request) string
	// TrustedOrigins are extra origins (scheme://host[:port]) allowed to
	// make cookie-authenticated unsafe requests, besides same-origin ones.
	TrustedOrigins []string
	// Now is the clock of time-dependent answers such as which channels
	// are open (default time.Now); tests fix it.
	Now func() time.Time
}

// Defaults for Config fields left zero.
const (
	DefaultSessionLifetime    = 12 * time.Hour
	DefaultMaxAttachmentBytes = 10 << 20
	DefaultMaxUploadBytes     = 25 << 20
	DefaultMaxAttachments     = 10
)

// server holds the API's dependencies; its methods are the handlers.
type server struct {
	cfg      Config
	store    desk.Store
	intake   *intake.Desk
	log      *slog.Logger
	mux      *http.ServeMux
	sessions *scs.SessionManager
	login    *auth.Login
	tokens   *auth.TokenVerifier
	csrf     *http.CrossOriginProtection
	metrics  *metrics
	routes   []route
	// calendars holds the business-hours calendar of the policy in force.
	calendars calendarCache
}

// New returns the API handler. It panics on a configuration that cannot
// work (no store, an invalid trusted origin), which is a programming error
// found at start-up.
func New(cfg Config) http.Handler {
	h, err := build(cfg)
	if err != nil {
		panic(err)
	}
	return h
}

func build(cfg Config) (*server, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("api: Config.Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.PasswordParams == (auth.Params{}) {
		cfg.PasswordParams = auth.DefaultParams
	}
	if cfg.LoginLimits == (auth.LoginLimits{}) {
		cfg.LoginLimits = auth.DefaultLoginLimits
	}
	if cfg.MaxAttachmentBytes <= 0 {
		cfg.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.MaxAttachments <= 0 {
		cfg.MaxAttachments = DefaultMaxAttachments
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = remoteHost
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Policy == nil {
		k, err := policy.NewKeeper(context.Background(), cfg.Store)
		if err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
		cfg.Policy = k
	}
	if cfg.Intake == nil {
		cfg.Intake = intake.NewDesk(cfg.Store, intake.NewJudge(cfg.Policy), cfg.Logger)
	}

	login, err := auth.NewLogin(cfg.Store, cfg.PasswordParams, cfg.LoginLimits, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	csrf := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := csrf.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("api: trusted origin %q: %w", o, err)
		}
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	s := &server{
		cfg:     cfg,
		store:   cfg.Store,
		intake:  cfg.Intake,
		log:     cfg.Logger,
		mux:     http.NewServeMux(),
		login:   login,
		tokens:  auth.NewTokenVerifier(cfg.Store, cfg.TokenCacheTTL, cfg.Logger),
		csrf:    csrf,
		metrics: m,
	}
	s.sessions = newSessionManager(cfg, s.writeError)
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.handler(rt))
	}
	return s, nil
}

// remoteHost is the default ClientIP: the peer address without its port.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
