package main

import (
	"context"
	"errors"
	"fmt"
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
	"frontdoor/api/outbox"
	"frontdoor/api/store"
	"frontdoor/api/store/mongo"
	"frontdoor/api/store/sqlite"
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
	server      *api.Server
	listener    net.Listener
	served      chan error
	stopWorkers context.CancelFunc
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
	var err error
	m.outbox, err = outbox.New(ctx, m.db, outbox.Options{Workers: m.cfg.OutboxWorkers, Logger: m.logger})
	if err != nil {
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
	}, api.Deps{Store: m.db, Logger: m.logger, Bundle: bundle, Metrics: metrics, Outbox: m.outbox})
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
	if err := m.open(ctx, m.cfg.BaseURL); err != nil {
		return err
	}
	fmt.Fprintln(m.stdout, "frontdoor: store schema and indexes are up to date")
	return m.db.Close()
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
		if err := <-m.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.outbox != nil {
		errs = append(errs, m.outbox.Stop(ctx))
		m.stopWorkers()
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
