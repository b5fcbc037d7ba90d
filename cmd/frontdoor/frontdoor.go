package main

import (
	"context"
	"errors"
	"fmt"
	"frontdoor/frontend"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"frontdoor/api"
	"frontdoor/api/accounts"
	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/api/notify"
	"frontdoor/api/outbox"
	"frontdoor/api/push"
	"frontdoor/api/store"
	"frontdoor/api/store/mongo"
	"frontdoor/api/store/sqlite"
	"frontdoor/kiosk"
	"frontdoor/locales"
)

// shutdownGrace bounds how long in-flight requests and jobs may take to
// finish once a stop is asked for.
const shutdownGrace = 20 * time.Second

// Main is the whole program, wired: tests boot it on port 0 with Run and Close.
type Main struct {
	cfg    Config
	stdout io.Writer
	logger *slog.Logger

	db          *store.DB
	outbox      *outbox.Outbox
	auth        *auth.Service
	tokens      *auth.Tokens
	kiosk       *kiosk.Service
	cases       *cases.Service
	push        *push.Service
	notify      *notify.Service
	server      *api.Server
	listener    net.Listener
	served      chan error
	stopWorkers context.CancelFunc
	swept       chan struct{} // closed when the sweeper has stopped
	kioskSwept  chan struct{} // closed when the kiosk's idle sweeper has stopped
}

// NewMain prepares a Main that logs JSON to stderr at the configured level.
func NewMain(cfg Config, stdout, stderr io.Writer) *Main {
	// Every line logged with a request's context carries its request id.
	logger := slog.New(api.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	return &Main{cfg: cfg, stdout: stdout, logger: logger}
}

// open connects the store and builds every service, which creates or upgrades
// the collections and indexes each one declares.
func (m *Main) open(ctx context.Context, baseURL string) error {
	engine, where, err := openEngine(ctx, m.cfg, m.logger)
	if err != nil {
		return err
	}
	m.logger.Info("store open", "engine", where)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := api.NewMetrics(reg)
	m.db = store.New(engine, store.WithObserver(metrics.ObserveStore))

	bundle, err := locales.Bundle()
	if err != nil {
		return errors.Join(err, m.db.Close())
	}
	if err := m.build(ctx, baseURL, bundle, metrics); err != nil {
		return errors.Join(err, m.db.Close())
	}
	return nil
}

func (m *Main) build(ctx context.Context, baseURL string, bundle *i18n.Bundle, metrics *api.Metrics) error {
	key, err := secret(m.cfg)
	if err != nil {
		return err
	}
	m.outbox, err = outbox.New(ctx, m.db, outbox.Options{Workers: m.cfg.OutboxWorkers, Logger: m.logger})
	if err != nil {
		return err
	}
	deps := api.Deps{Store: m.db, Logger: m.logger, Bundle: bundle, Metrics: metrics, Outbox: m.outbox, Web: frontend.Files()}
	if err := m.buildNotify(ctx, bundle, metrics, &deps); err != nil {
		return err
	}
	if err := m.buildIdentity(ctx, baseURL, key, bundle, &deps); err != nil {
		return err
	}
	deps.Accounts, err = accounts.New(ctx, m.db, m.outbox, accounts.Options{Logger: m.logger, AllowLoopbackHTTP: !m.cfg.Production(),
		Tell: m.notify, BaseURL: baseURL})
	if err != nil {
		return err
	}
	if err := m.buildCases(ctx, baseURL, bundle, &deps); err != nil {
		return err
	}
	m.server, err = api.New(ctx, api.Config{
		BaseURL:        baseURL,
		Production:     m.cfg.Production(),
		CORSOrigins:    m.cfg.CORSOrigins,
		TrustedProxies: m.cfg.TrustedProxies,
		RateLimit:      m.cfg.RateLimit,
		RateBurst:      m.cfg.RateBurst,
		BodyLimit:      m.cfg.BodyLimit,
		Version:        version,
	}, deps)
	return err
}

// buildIdentity wires sign-in: password hashing, throttling and codes, signing
// keys and tokens, and the account service that uses them.
func (m *Main) buildIdentity(ctx context.Context, baseURL string, key []byte, bundle *i18n.Bundle, deps *api.Deps) error {
	hasher, err := auth.NewHasher(auth.HasherOptions{})
	if err != nil {
		return err
	}
	guard, err := auth.NewGuard(ctx, m.db, auth.GuardOptions{Secret: deriveKey(key, "sign-in guard")})
	if err != nil {
		return err
	}
	// Kiosk sessions are a second kind of session behind access tokens: the
	// kiosk service must exist before the tokens that ask it about them.
	m.kiosk, err = kiosk.New(ctx, m.db, kiosk.Options{Logger: m.logger})
	if err != nil {
		return err
	}
	m.tokens, err = auth.NewTokens(ctx, m.db, auth.TokenOptions{Issuer: baseURL, Audience: baseURL + "/api", Logger: m.logger,
		SessionSources: []auth.SessionSource{m.kiosk.SessionSource()}})
	if err != nil {
		return err
	}
	deps.Guard, deps.Kiosk = guard, m.kiosk
	m.auth, err = auth.NewService(ctx, m.db, auth.ServiceOptions{
		Hasher: hasher, Guard: guard, Tokens: m.tokens, Notifier: m.notify, Logger: m.logger,
		Localize: func(lang, id string, data map[string]any) string { return locales.Localize(bundle, lang, id, data) },
	})
	deps.Auth, deps.Tokens = m.auth, m.tokens
	return err
}

func openEngine(ctx context.Context, cfg Config, logger *slog.Logger) (store.Engine, string, error) {
	if cfg.MongoURI != "" {
		e, err := mongo.Open(ctx, mongo.Options{URI: cfg.MongoURI, Database: cfg.MongoDB, Logger: logger})
		if err != nil {
			return nil, "", fmt.Errorf("open MongoDB (FRONTDOOR_MONGODB_URI): %w", err)
		}
		return e, "mongodb database " + cfg.MongoDB, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("data dir (FRONTDOOR_DATA_DIR): %w", err)
	}
	path := filepath.Join(cfg.DataDir, "frontdoor.db")
	e, err := sqlite.Open(ctx, sqlite.Options{Path: path, BlobDir: filepath.Join(cfg.DataDir, "blobs"), Logger: logger})
	if err != nil {
		return nil, "", fmt.Errorf("open SQLite %s: %w", path, err)
	}
	return e, "sqlite " + path, nil
}

// Migrate prepares the store's schema and indexes and closes it again.
func (m *Main) Migrate(ctx context.Context) error {
	return m.once(ctx, func() error {
		fmt.Fprintln(m.stdout, "frontdoor: store schema and indexes are up to date")
		return nil
	})
}

// RotateKeys makes a new token signing key; the old one verifies until the
// tokens it signed have expired.
func (m *Main) RotateKeys(ctx context.Context) error {
	return m.once(ctx, func() error {
		kid, err := m.tokens.RotateKeys(ctx)
		if err == nil {
			fmt.Fprintf(m.stdout, "frontdoor: new signing key %s\n", kid)
		}
		return err
	})
}

// VAPIDKey prints the Web Push public key (opening the store makes the key
// pair if there is none), never the private one.
func (m *Main) VAPIDKey(ctx context.Context) error {
	return m.once(ctx, func() error {
		fmt.Fprintf(m.stdout, "frontdoor: VAPID public key %s\n", m.push.PublicKey())
		return nil
	})
}

// CreateUser makes a staff, supervisor, admin or councillor account.
func (m *Main) CreateUser(ctx context.Context, in auth.CreateUserInput) error {
	return m.once(ctx, func() error {
		u, err := m.auth.CreateUser(ctx, in)
		if err == nil {
			fmt.Fprintf(m.stdout, "frontdoor: created %s %s\n", in.Role, u.ID)
		}
		return err
	})
}

// once opens everything (so the schema is up to date), runs fn, and closes.
func (m *Main) once(ctx context.Context, fn func() error) error {
	base := m.cfg.BaseURL
	if base == "" {
		base = "http://" + m.cfg.Addr
	}
	if err := m.open(ctx, base); err != nil {
		return err
	}
	return errors.Join(fn(), m.db.Close())
}

// Run listens, opens everything and starts serving and delivering; it returns
// once the server accepts connections.
func (m *Main) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (FRONTDOOR_ADDR): %w", m.cfg.Addr, err)
	}
	baseURL := m.cfg.BaseURL
	if baseURL == "" {
		baseURL = "http://" + ln.Addr().String()
	}
	if err := m.open(ctx, baseURL); err != nil {
		ln.Close()
		return err
	}
	workers, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stopWorkers = stop
	m.outbox.Start(workers)
	m.swept, m.kioskSwept = make(chan struct{}), make(chan struct{})
	go func() { defer close(m.swept); m.sweep(workers) }()
	go func() { defer close(m.kioskSwept); m.sweepKiosk(workers) }()
	m.listener, m.served = ln, make(chan error, 1)
	go func() { m.served <- m.server.Serve(ln) }()
	m.logger.Info("listening", "addr", ln.Addr().String(), "version", version)
	fmt.Fprintf(m.stdout, "Frontdoor is running at %s/ (press Ctrl+C to stop)\n", baseURL)
	return nil
}

// Addr is where the server listens, once Run has returned.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Close stops gracefully: no new connections, in-flight requests drain (up to
// shutdownGrace), workers finish their jobs, then the store closes.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var errs []error
	if m.server != nil {
		errs = append(errs, m.server.Shutdown(ctx))
		m.listener.Close() // ends Serve even if it had not started when Shutdown ran
		if err := <-m.served; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if m.outbox != nil {
		errs = append(errs, m.outbox.Stop(ctx))
		if m.stopWorkers != nil {
			m.stopWorkers()
			<-m.swept
			<-m.kioskSwept
		}
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
	}
	m.logger.Info("stopped")
	return errors.Join(errs...)
}

// Serve runs until ctx is cancelled (SIGINT or SIGTERM), then closes.
func (m *Main) Serve(ctx context.Context) error {
	if err := m.Run(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		m.logger.Info("shutting down", "grace", shutdownGrace.String())
	case err := <-m.served:
		m.served <- err // Close reads it
	}
	return m.Close()
}
