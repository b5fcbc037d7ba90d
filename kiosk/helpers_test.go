package kiosk

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

var ctx = context.Background()

// clock is the injected time: tests move it, never sleep.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a kiosk service on a real SQLite store, and access tokens that ask
// it about kiosk sessions, sharing one clock.
type env struct {
	db     *store.DB
	svc    *Service
	tokens *auth.Tokens
	clock  *clock
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	dir := tb.TempDir()
	e, err := sqlite.Open(ctx, sqlite.Options{
		Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs"), SweepInterval: time.Hour,
	})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	svc, err := New(ctx, db, Options{Now: c.Now})
	if err != nil {
		tb.Fatalf("kiosk.New: %v", err)
	}
	tokens, err := auth.NewTokens(ctx, db, auth.TokenOptions{
		Issuer: "https://frontdoor.test", Audience: "https://frontdoor.test/api", Now: c.Now,
		SessionSources: []auth.SessionSource{svc.SessionSource()},
	})
	if err != nil {
		tb.Fatalf("auth.NewTokens: %v", err)
	}
	return &env{db: db, svc: svc, tokens: tokens, clock: c}
}

var (
	admin      = Staff{ID: "admin-1", Roles: []auth.Role{auth.RoleAdmin}}
	supervisor = Staff{ID: "super-1", Roles: []auth.Role{auth.RoleStaff, auth.RoleSupervisor}}
	officer    = Staff{ID: "staff-1", Roles: []auth.Role{auth.RoleStaff}}
	officer2   = Staff{ID: "staff-2", Roles: []auth.Role{auth.RoleStaff}}
	resident   = Staff{ID: "res-1", Roles: []auth.Role{auth.RoleResident}}
	councillor = Staff{ID: "cllr-1", Roles: []auth.Role{auth.RoleCouncillor}}
)

func library(name string) Location {
	return Location{Kind: LocationLibrary, Name: name, Address: "125 Armada Way, Plymouth PL1 1HZ", Printer: true}
}

func hub(name string) Location {
	return Location{Kind: LocationHub, Name: name, Address: "Jan Cutting Healthy Living Centre, Plymouth", IdleSeconds: 300}
}

func mustEnrol(tb testing.TB, e *env, loc Location, p Profile) string {
	tb.Helper()
	code, _, err := e.svc.Enrol(ctx, supervisor, loc, p)
	if err != nil {
		tb.Fatalf("Enrol: %v", err)
	}
	return code
}

// mustDevice enrols and registers a terminal, returning it and its credential.
func mustDevice(tb testing.TB, e *env, loc Location, p Profile) (*Device, string) {
	tb.Helper()
	d, token, err := e.svc.Register(ctx, mustEnrol(tb, e, loc, p))
	if err != nil {
		tb.Fatalf("Register: %v", err)
	}
	return d, token
}

func mustStart(tb testing.TB, e *env, d *Device) *Session {
	tb.Helper()
	s, err := e.svc.StartSession(ctx, d)
	if err != nil {
		tb.Fatalf("StartSession: %v", err)
	}
	return s
}

func mustSession(tb testing.TB, e *env, id string) *Session {
	tb.Helper()
	s, err := e.svc.Session(ctx, id)
	if err != nil {
		tb.Fatalf("Session %s: %v", id, err)
	}
	return s
}

// mustToken issues the access token the HTTP layer would for the session.
func mustToken(tb testing.TB, e *env, s *Session) string {
	tb.Helper()
	tok, _, err := e.tokens.Issue(ctx, s.Subject())
	if err != nil {
		tb.Fatalf("Issue: %v", err)
	}
	return tok
}

func wantErr(tb testing.TB, err, want error) {
	tb.Helper()
	if !errors.Is(err, want) {
		tb.Fatalf("error %v, want %v", err, want)
	}
}

// wantFields checks that err is a *ValidationError naming exactly these
// pointer/id pairs, in order.
func wantFields(tb testing.TB, err error, want ...string) {
	tb.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("error %v, want a *ValidationError", err)
	}
	var got []string
	for _, f := range ve.Fields {
		got = append(got, f.Pointer, f.ID)
	}
	if len(got) != len(want) {
		tb.Fatalf("fields %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			tb.Fatalf("fields %v, want %v", got, want)
		}
	}
}

func kinds(tb testing.TB, e *env, id string) []EventKind {
	tb.Helper()
	log, err := e.svc.Log(ctx, id)
	if err != nil {
		tb.Fatalf("Log: %v", err)
	}
	out := make([]EventKind, len(log))
	for i, ev := range log {
		out[i] = ev.Kind
	}
	return out
}
