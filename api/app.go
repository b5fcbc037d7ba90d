// Package api is Frontdoor's HTTP layer: the Fiber app, its middleware, the
// one error table and thin handlers over the domain packages. Every route is
// mounted in routes below, in one list.
package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/api/catalogue"
	"frontdoor/api/notify"
	"frontdoor/api/open311"
	"frontdoor/api/push"
	"frontdoor/api/store"
	"frontdoor/kiosk"
)

// Config is the HTTP layer's share of the configuration, validated in cmd.
type Config struct {
	BaseURL        string   // public URL; HSTS only when it is https
	Production     bool     // production: https only (base URL and CORS origins)
	CORSOrigins    []string // empty: CORS closed (no CORS headers at all)
	TrustedProxies []string // IPs/CIDRs whose X-Forwarded-For is believed for the client IP
	RateLimit      float64  // requests per second per client; 0 disables
	RateBurst      int      // bucket size; 0 means max(1, RateLimit)
	BodyLimit      int      // bytes; 0 means 1 MiB (photo uploads: UploadLimit)
	UploadLimit    int      // bytes of a photo upload; 0 means DefaultUploadLimit

	ReadTimeout, WriteTimeout, IdleTimeout time.Duration // 0 means the defaults below
	Version                                string
}

// Defaults for the zero values of Config.
const (
	DefaultBodyLimit    = 1 << 20
	DefaultUploadLimit  = cases.MaxPhotoBytes + 64<<10 // a photo and its multipart wrapping
	DefaultReadTimeout  = 15 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultIdleTimeout  = 120 * time.Second
)

// Deps are the parts the HTTP layer is built on.
type Deps struct {
	Store   *store.DB    // readiness and idempotency records
	Logger  *slog.Logger // JSON; request ids are added from the context
	Bundle  *i18n.Bundle // from locales.Bundle()
	Metrics *Metrics     // from NewMetrics
	// Outbox reports outbox depth by state for /metrics; may be nil.
	Outbox interface {
		Depth(ctx context.Context) (map[string]int64, error)
	}
	// Identity and sessions. Without Auth the identity routes answer 404;
	// Tokens verifies access tokens; DevMessages (development only, nil in
	// production) shows sent codes at /api/v1/dev/messages.
	Auth        *auth.Service
	Tokens      *auth.Tokens
	DevMessages *auth.DevOutbox
	// Accounts is the customer record and Tell Us Once; without it the
	// /me, connector and staff propagation routes answer 404.
	Accounts *accounts.Service
	// Catalogue and Cases are the services and the cases made of them;
	// without both, their routes (and Open311's) answer 404. Guard
	// throttles wrong guesses at tracking proofs; Open311 holds the API
	// keys of Open311 clients (nil: POST requests.{format} is 404).
	Catalogue *catalogue.Catalogue
	Cases     *cases.Service
	Guard     *auth.Guard
	Open311   *open311.Clients
	// Gazetteer finds the addresses at a postcode (catalogue.DemoGazetteer,
	// or a council's own); without it the address lookup answers 404.
	Gazetteer catalogue.Gazetteer
	// Push is Web Push (the VAPID key and subscriptions) and Notify the
	// notifications service (preferences, alerts); without them their
	// routes answer 404.
	Push   *push.Service
	Notify *notify.Service
	// Kiosk is the kiosk profile: enrolled terminals, kiosk and assisted
	// sessions, hand-off and letter codes; without it the kiosk routes
	// answer 404. Tokens must have been built with its SessionSource.
	Kiosk *kiosk.Service
	// Web is the resident web app's files (package frontend); without it
	// only the API is served.
	Web fs.FS
}

// Server is the Fiber app with everything it needs.
type Server struct {
	cfg        Config
	app        *fiber.App
	db         *store.DB
	log        *slog.Logger
	metrics    *Metrics
	langs      *languages
	proxies    trustedProxies
	limiter    *limiter // nil when rate limiting is off
	idem       *idempotency
	problemURI string // prefix of problem type URIs
	https      bool
	identity   // authn.go: tokens, the auth service, the dev outbox

	accounts  *accounts.Service // nil: the accounts routes answer 404
	catalogue *catalogue.Catalogue
	cases     *cases.Service
	guard     *auth.Guard
	open311   *open311.Clients
	gazetteer catalogue.Gazetteer // nil: the address lookup answers 404
	push      *push.Service
	notify    *notify.Service
	kiosk     *kiosk.Service // nil: the kiosk routes answer 404
	hub       *kioskHub      // the kiosk sessions' event streams
	london    *time.Location // the days of the kiosk demand report
	web       *webApp        // nil: no web app
}

// New builds the app and mounts every route. ctx bounds start-up work (the
// idempotency collection is opened, and its indexes made, here).
func New(ctx context.Context, cfg Config, deps Deps) (*Server, error) {
	if deps.Store == nil || deps.Bundle == nil || deps.Metrics == nil {
		return nil, errors.New("api: Store, Bundle and Metrics are required")
	}
	s := &Server{cfg: withDefaults(cfg), db: deps.Store, metrics: deps.Metrics}
	s.log = deps.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = slog.New(LogHandler(s.log.Handler()))
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	s.https = base != nil && base.Scheme == "https"
	if cfg.Production && !s.https {
		return nil, errors.New("api: production needs an https base URL")
	}
	s.problemURI = strings.TrimRight(cfg.BaseURL, "/") + "/problems/"
	if s.langs, err = newLanguages(deps.Bundle); err != nil {
		return nil, err
	}
	if s.proxies, err = parseTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	if cfg.RateLimit > 0 {
		s.limiter = newLimiter(cfg.RateLimit, s.cfg.RateBurst, time.Now)
	}
	if s.idem, err = newIdempotency(ctx, deps.Store, s.log); err != nil {
		return nil, err
	}
	if err = s.initIdentity(cfg, deps); err != nil {
		return nil, err
	}
	if deps.Kiosk != nil && deps.Tokens == nil {
		return nil, errors.New("api: Deps.Kiosk needs Deps.Tokens (built with its SessionSource)")
	}
	s.accounts = deps.Accounts
	s.catalogue, s.cases, s.guard, s.open311 = deps.Catalogue, deps.Cases, deps.Guard, deps.Open311
	s.gazetteer = deps.Gazetteer
	s.push, s.notify = deps.Push, deps.Notify
	s.kiosk, s.hub = deps.Kiosk, newKioskHub(sseHeartbeat)
	if s.london, err = time.LoadLocation("Europe/London"); err != nil {
		return nil, err
	}
	if deps.Web != nil {
		if s.web, err = s.newWebApp(deps.Web); err != nil {
			return nil, err
		}
	}
	s.metrics.attach(deps.Outbox, s.log, cfg.Version)
	if s.app, err = s.newFiberApp(); err != nil {
		return nil, err
	}
	s.routes(s.app)
	s.wrapUnknownMethods(s.app)
	return s, nil
}

// routes mounts every route of the API, and openapi.json documents each one.
// Routes that create things put s.idempotent before their handler:
// app.Post("/api/cases", s.idempotent, s.createCase).
func (s *Server) routes(app *fiber.App) {
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics.handler())
	app.Get("/api/openapi.json", s.openAPI)

	// Identity and sessions (issue 3). Mounted always, so that openapi.json
	// holds for every server; without Deps.Auth (or DevMessages) they are 404.
	admin := s.requireRole(auth.RoleAdmin)
	app.Post("/api/v1/auth/register", s.identityOn, s.register)
	app.Post("/api/v1/auth/verify", s.identityOn, s.verifyContact)
	app.Post("/api/v1/auth/login", s.identityOn, s.login)
	app.Post("/api/v1/auth/codes", s.identityOn, s.requestSignInCode)
	app.Post("/api/v1/auth/codes/verify", s.identityOn, s.loginWithCode)
	app.Post("/api/v1/auth/refresh", s.identityOn, s.refresh)
	app.Post("/api/v1/auth/logout", s.identityOn, s.endKioskOnLogout, s.logout)
	app.Post("/api/v1/auth/password", s.identityOn, s.requireAuth, s.notOnKiosk, s.changePassword)
	app.Get("/.well-known/jwks.json", s.identityOn, s.jwks)
	app.Get("/api/v1/dev/messages", s.devOnly, s.devMessageList)
	app.Post("/api/v1/admin/users", s.identityOn, admin, s.createStaff)
	app.Get("/api/v1/admin/users", s.identityOn, admin, s.listStaff)
	app.Patch("/api/v1/admin/users/:id", s.identityOn, admin, s.updateStaff)

	// Customer record and Tell Us Once (issue 3). Mounted always, like the
	// identity routes, so that openapi.json holds for every server; without
	// Deps.Accounts they are 404. /me is always the caller's own record, and
	// an account's (requireAccount): an anonymous kiosk session has none.
	resident, account := s.requireRole(auth.RoleResident), s.requireAccount
	staff := s.requireRole(auth.RoleStaff, auth.RoleSupervisor, auth.RoleAdmin)
	app.Get("/api/v1/me", s.accountsOn, account, s.getMe)
	app.Patch("/api/v1/me", s.accountsOn, account, s.updateMe)
	app.Delete("/api/v1/me", s.accountsOn, account, s.eraseMe)
	app.Get("/api/v1/me/export", s.accountsOn, account, s.exportMe)
	app.Get("/api/v1/me/links", s.accountsOn, account, s.listLinks)
	app.Post("/api/v1/me/links", s.accountsOn, account, s.idempotent, s.linkService)
	app.Delete("/api/v1/me/links/:id", s.accountsOn, account, s.unlinkService)
	app.Post("/api/v1/me/changes", s.accountsOn, account, s.idempotent, s.reportChange)
	app.Get("/api/v1/me/changes", s.accountsOn, account, s.listChanges)
	app.Get("/api/v1/me/changes/:id", s.accountsOn, account, s.getChange)
	app.Post("/api/v1/admin/connectors", s.accountsOn, admin, s.idempotent, s.createConnector)
	app.Get("/api/v1/admin/connectors", s.accountsOn, admin, s.listConnectors)
	app.Patch("/api/v1/admin/connectors/:key", s.accountsOn, admin, s.updateConnector)
	app.Delete("/api/v1/admin/connectors/:key", s.accountsOn, admin, s.disableConnector)
	app.Get("/api/v1/staff/propagations", s.accountsOn, staff, s.listPropagationProblems)
	app.Post("/api/v1/staff/propagations/:change/:connector/retry", s.accountsOn, staff, s.retryPropagation)
	app.Get("/api/v1/staff/residents/:id", s.accountsOn, staff, s.readResidentAsStaff)

	// Catalogue, cases and insight (issue 4). Anyone may report (signed in
	// or not, where the service allows it), find an address by postcode and
	// track; /api/v1/cases lists and reads only the caller's own cases (an
	// anonymous kiosk session's: those made in it).
	supervisor := s.requireRole(auth.RoleSupervisor, auth.RoleAdmin)
	on, anyone := s.catalogueOn, s.authenticate
	app.Get("/api/v1/services", on, s.listServices)
	app.Get("/api/v1/services/:code", on, s.getService)
	app.Put("/api/v1/admin/services/:code", on, admin, s.putService)
	app.Get("/api/v1/admin/teams", on, admin, s.listTeams)
	app.Post("/api/v1/admin/teams", on, admin, s.idempotent, s.createTeam)
	app.Post(uploadPath, on, anyone, s.uploadPhoto)
	app.Post("/api/v1/cases", on, anyone, s.idempotent, s.createCase)
	app.Get("/api/v1/cases", on, resident, s.listCases)
	app.Get("/api/v1/cases/nearby", on, s.nearby)
	app.Get("/api/v1/cases/:ref", on, resident, s.getCase)
	app.Get("/api/v1/cases/:ref/photos/:id", on, resident, s.ownerPhoto)
	app.Post("/api/v1/cases/:ref/follow", on, account, s.followCase)
	app.Post("/api/v1/cases/:ref/feedback", on, anyone, s.giveFeedback)
	app.Post("/api/v1/cases/:ref/information", on, anyone, s.idempotent, s.addInformation)
	app.Post("/api/v1/cases/:ref/items/:id/escalate", on, anyone, s.escalate)
	app.Post("/api/v1/track", on, s.deviceOrAnyone, s.track)
	app.Get("/api/v1/addresses", s.gazetteerOn, s.findAddresses)
	app.Get("/api/v1/staff/queues/:team", on, staff, s.teamQueue)
	app.Get("/api/v1/staff/cases/:ref", on, staff, s.staffCase)
	app.Get("/api/v1/staff/cases/:ref/photos/:id", on, staff, s.staffPhoto)
	app.Post("/api/v1/staff/cases/:ref/items/:id/transition", on, staff, s.transitionItem)
	app.Post("/api/v1/staff/cases/:ref/items/:id/assign", on, staff, s.assignItem)
	app.Post("/api/v1/staff/cases/:ref/items/:id/reassign", on, staff, s.reassignItem)
	app.Post("/api/v1/staff/cases/:ref/updates", on, staff, s.addCaseUpdate)
	app.Post("/api/v1/staff/cases/:ref/merge", on, staff, s.mergeCase)
	app.Get("/api/v1/insight/summary", on, supervisor, s.insightSummary)

	// Open311 GeoReport v2 (issue 4): answers and errors in the format the
	// path names; API keys issued by admins.
	app.Get("/open311/v2/discovery.json", on, s.open311Discovery)
	app.Get("/open311/v2/services.:format", s.open311Handler(s.open311Services))
	app.Get("/open311/v2/services/:code.:format", s.open311Handler(s.open311Definition))
	app.Post("/open311/v2/requests.:format", s.open311Handler(s.open311Post))
	app.Get("/open311/v2/requests.:format", s.open311Handler(s.open311Requests))
	app.Get("/open311/v2/requests/:id.:format", s.open311Handler(s.open311OneRequest))
	app.Post("/api/v1/admin/open311-clients", s.open311On, admin, s.idempotent, s.createOpen311Client)
	app.Get("/api/v1/admin/open311-clients", s.open311On, admin, s.listOpen311Clients)
	app.Delete("/api/v1/admin/open311-clients/:id", s.open311On, admin, s.disableOpen311Client)

	// Push and notifications (issue 5). A device follows its resident's
	// news, or, with a case reference and its proof, that case only.
	app.Get("/api/v1/push/key", s.pushOn, s.pushKey)
	app.Post("/api/v1/push/subscriptions", s.pushOn, anyone, s.notOnKiosk, s.subscribe)
	app.Delete("/api/v1/push/subscriptions", s.pushOn, anyone, s.notOnKiosk, s.unsubscribe)
	app.Get("/api/v1/me/notifications", s.notifyOn, account, s.getPreferences)
	app.Put("/api/v1/me/notifications", s.notifyOn, account, s.putPreferences)
	app.Post("/api/v1/staff/alerts", s.notifyOn, supervisor, s.idempotent, s.sendAlert)
	app.Get("/api/v1/staff/alerts/:id", s.notifyOn, supervisor, s.getAlert)

	// The kiosk profile (issue 7): terminals enrolled by supervisors and
	// run by admins; kiosk sessions started by a terminal (Authorization:
	// Device) and used with their own access tokens, whose end refuses every
	// token of them; sign-in by code, hand-off to a phone, letter codes;
	// staff joining (or guiding) a session, the shared screen as
	// Server-Sent Events, and demand by location. Routes that hand out a
	// credential take no Idempotency-Key: its record would keep the secret.
	k, device, dev := s.kioskOn, s.requireDevice, s.deviceOrBearer
	app.Post("/api/v1/kiosk/enrolments", k, supervisor, s.enrolDevice)
	app.Post("/api/v1/kiosk/devices", k, s.registerDevice)
	app.Get("/api/v1/kiosk/device", k, device, s.deviceSelf)
	app.Get("/api/v1/admin/kiosk/devices", k, admin, s.listDevices)
	app.Patch("/api/v1/admin/kiosk/devices/:id", k, admin, s.updateDevice)
	app.Delete("/api/v1/admin/kiosk/devices/:id", k, admin, s.revokeDevice)
	app.Post("/api/v1/kiosk/sessions", k, device, s.startKioskSession)
	app.Get("/api/v1/kiosk/sessions/:id", k, dev, s.getKioskSession)
	app.Post("/api/v1/kiosk/sessions/:id/end", k, dev, s.endKioskSession)
	app.Post("/api/v1/kiosk/sessions/:id/touch", k, s.requireAuth, s.touchKioskSession)
	app.Post("/api/v1/kiosk/sessions/:id/token", k, dev, s.kioskSessionToken)
	app.Post("/api/v1/kiosk/sessions/:id/codes", k, s.identityOn, s.requireAuth, s.kioskSignInCode)
	app.Post("/api/v1/kiosk/sessions/:id/codes/verify", k, s.identityOn, s.requireAuth, s.kioskSignIn)
	app.Post("/api/v1/kiosk/sessions/:id/handoff", k, s.requireAuth, s.handOff)
	app.Post("/api/v1/handoff/:token", k, s.claimHandOff)
	app.Post("/api/v1/kiosk/sessions/:id/join/confirm", k, s.requireAuth, s.confirmJoin)
	app.Post("/api/v1/kiosk/sessions/:id/join/decline", k, s.requireAuth, s.declineJoin)
	app.Post("/api/v1/kiosk/sessions/:id/consent", k, s.requireAuth, s.giveConsent)
	app.Get(kioskStreamPath, k, s.requireAuth, s.streamKioskSession)
	app.Post("/api/v1/kiosk/sessions/:id/screen", k, s.requireAuth, s.postScreen)
	app.Get("/api/v1/staff/kiosk/sessions", k, staff, s.listLiveSessions)
	app.Get("/api/v1/staff/kiosk/sessions/:id", k, staff, s.staffKioskSession)
	app.Get("/api/v1/staff/kiosk/sessions/:id/record", k, s.accountsOn, staff, s.kioskRecord)
	app.Post("/api/v1/staff/kiosk/sessions/:id/join", k, staff, s.joinSession)
	app.Post("/api/v1/staff/kiosk/sessions/:id/input", k, staff, s.staffInput)
	app.Post("/api/v1/staff/kiosk/sessions/:id/end", k, staff, s.staffEndSession)
	app.Get("/api/v1/staff/kiosk/devices", k, staff, s.listTerminals)
	app.Post("/api/v1/staff/kiosk/devices/:id/sessions", k, staff, s.startGuided)
	app.Post("/api/v1/staff/kiosk/letters", k, s.identityOn, staff, s.issueLetter)
	app.Post("/api/v1/auth/letter", k, s.identityOn, anyone, s.claimLetter)
	app.Get("/api/v1/insight/kiosk-demand", k, supervisor, s.kioskDemand)

	// The web app: its words, then its files and pages (last: any path the
	// API does not answer may be one of the app's pages).
	if s.web != nil {
		app.Get("/api/v1/locales/:lang", s.webMessages)
		app.Get("/*", s.webFileRoute)
	}
}

// newFiberApp builds a Fiber app with the full middleware chain and no
// routes; tests use it to mount test-only routes behind the same chain.
func (s *Server) newFiberApp() (*fiber.App, error) {
	app := fiber.New(fiber.Config{
		BodyLimit:               max(s.cfg.BodyLimit, s.cfg.UploadLimit),
		ReadTimeout:             s.cfg.ReadTimeout,
		WriteTimeout:            s.cfg.WriteTimeout,
		IdleTimeout:             s.cfg.IdleTimeout,
		ReadBufferSize:          8 << 10, // request line and headers; more is a 431
		ErrorHandler:            s.handleError,
		DisableStartupMessage:   true,
		CaseSensitive:           true,
		EnableTrustedProxyCheck: true, // X-Forwarded-Proto/Host believed only from TrustedProxies
		TrustedProxies:          s.cfg.TrustedProxies,
	})
	app.Use(s.requestContext)
	app.Use(s.accessLog)
	app.Use(s.recoverPanic)
	app.Use(s.securityHeaders)
	if len(s.cfg.CORSOrigins) > 0 {
		h, err := corsHandler(s.cfg.CORSOrigins, s.cfg.Production)
		if err != nil {
			return nil, err
		}
		app.Use(h)
	}
	if s.limiter != nil {
		app.Use(s.rateLimit)
	}
	app.Use(s.contentLanguage)
	app.Use(s.limitBody)
	app.Use(compressHandler())
	return app, nil
}

// App is the Fiber app, for tests and for mounting more (the frontend).
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.limiter != nil {
		go s.limiter.sweepEvery(time.Minute)
	}
	return s.app.Listener(ln)
}

// Shutdown stops accepting connections and waits for in-flight requests to
// finish, or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.limiter != nil {
		s.limiter.stop()
	}
	s.hub.close() // open event streams end, or they would hold the shutdown to its deadline
	return s.app.ShutdownWithContext(ctx)
}

func withDefaults(cfg Config) Config {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.UploadLimit <= 0 {
		cfg.UploadLimit = DefaultUploadLimit
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = max(1, int(cfg.RateLimit+0.5))
	}
	return cfg
}

func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("api: base URL %q: want http(s)://host[:port][/path]", s)
	}
	return u, nil
}
