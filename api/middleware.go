package api

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unsafe"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/valyala/fasthttp"
)

// The global middleware, outermost first, as newFiberApp mounts it:
// requestContext, accessLog, recoverPanic, securityHeaders, CORS (when
// configured), rateLimit (when configured), contentLanguage, limitBody,
// compression.

const (
	localsRequestID       = "frontdoor.request_id"
	localsMiddlewareRoute = "frontdoor.middleware_route" // the route the global middleware runs as
)

type ctxKey struct{}

// RequestID returns the request id carried by ctx (the user context of a
// request), or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localsRequestID).(string)
	return id
}

// requestContext gives the request its id: the caller's X-Request-Id when it
// is sane, else a new one. The id is on the response, in the locals and in
// the user context, where the log handler finds it.
func (s *Server) requestContext(c *fiber.Ctx) error {
	s.beginRequest(c)
	return c.Next()
}

func (s *Server) beginRequest(c *fiber.Ctx) {
	id := c.Get(fiber.HeaderXRequestID)
	if saneRequestID(id) {
		id = strings.Clone(id) // Fiber reuses the header's memory
	} else {
		id = newRequestID()
	}
	c.Locals(localsRequestID, id)
	c.Locals(localsMiddlewareRoute, c.Route())
	setHeader(c, headerXRequestID, id)
	c.SetUserContext(context.WithValue(c.UserContext(), ctxKey{}, id))
}

// Response header names, in canonical form, for setHeader.
var (
	headerXRequestID       = []byte("X-Request-Id")
	headerContentLanguage  = []byte(fiber.HeaderContentLanguage)
	headerCacheControl     = []byte(fiber.HeaderCacheControl)
	headerVary             = []byte(fiber.HeaderVary)
	headerCSP              = []byte(fiber.HeaderContentSecurityPolicy)
	headerHSTS             = []byte(fiber.HeaderStrictTransportSecurity)
	headerXContentTypeOpts = []byte(fiber.HeaderXContentTypeOptions)
)

// setHeader sets a response header whose name is already canonical: c.Set
// would normalize the name on every call, which showed up in profiles.
// The value is copied by fasthttp, so viewing the string as bytes is safe.
func setHeader(c *fiber.Ctx, canonicalName []byte, value string) {
	c.Response().Header.SetCanonical(canonicalName, unsafe.Slice(unsafe.StringData(value), len(value)))
}

// saneRequestID accepts ids a proxy or client might send (UUIDs, trace ids)
// and nothing that could forge a log line or bloat one.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
			return false
		}
	}
	return true
}

// newRequestID returns 128 random bits in hex. Request ids need to be
// unique, not secret, so the runtime's fast generator will do.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// accessLog ends every request: it turns an error into its problem response
// (so the status is known), then counts and logs the request.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if err := s.handleError(c, err); err != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	s.observe(c, start)
	return nil
}

// observe records a finished request. The log line holds the route template,
// never the path or query (which may carry personal data) nor the client IP.
func (s *Server) observe(c *fiber.Ctx, start time.Time) {
	d := time.Since(start)
	route, method, status := routeTemplate(c), canonicalMethod(c.Method()), c.Response().StatusCode()
	s.metrics.observeRequest(route, method, status, d)
	level := slog.LevelInfo
	if isOpsRoute(route) {
		level = slog.LevelDebug // probes and scrapes would drown everything else
	}
	ctx := c.UserContext()
	if !s.log.Enabled(ctx, level) {
		return
	}
	s.log.LogAttrs(ctx, level, "request",
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("duration_us", d.Microseconds()),
	)
}

// routeTemplate is the registered path that served the request ("/cases/:id"),
// or "unmatched" when no route did.
func routeTemplate(c *fiber.Ctx) string {
	r := c.Route()
	// Still on the global middleware's own route: nothing matched. Refused
	// before routing: Fiber makes up a route with no handlers and the raw path.
	if mw, _ := c.Locals(localsMiddlewareRoute).(*fiber.Route); r == mw || len(r.Handlers) == 0 {
		return "unmatched"
	}
	return r.Path
}

func isOpsRoute(route string) bool {
	switch route {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

var knownMethods = []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
	fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace}

// canonicalMethod returns a constant for the method, because Fiber's string
// points into a buffer that is reused after the request, and metrics keep it.
func canonicalMethod(m string) string {
	for _, known := range knownMethods {
		if m == known {
			return known
		}
	}
	return "OTHER"
}

// panicError carries a recovered panic to the error handler, which logs the
// stack and answers a 500 that reveals none of it.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return c.Next()
}

// securityHeaders suit a same-origin PWA: nothing from elsewhere, no framing,
// no referrer, no sniffing, and responses not cached unless a handler says so.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	err := c.Next()
	if len(c.Response().Header.PeekBytes(headerCacheControl)) == 0 {
		setHeader(c, headerCacheControl, "no-store")
	}
	return err
}

const contentSecurityPolicy = "default-src 'self'; base-uri 'none'; connect-src 'self'; font-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; img-src 'self' data: blob:; manifest-src 'self'; " +
	"media-src 'self' blob:; object-src 'none'; script-src 'self'; style-src 'self'; worker-src 'self'"

var securityHeaderValues = [][2][]byte{
	{headerCSP, []byte(contentSecurityPolicy)},
	{headerXContentTypeOpts, []byte("nosniff")},
	{[]byte(fiber.HeaderReferrerPolicy), []byte("no-referrer")},
	{[]byte(fiber.HeaderXFrameOptions), []byte("DENY")},
	{[]byte(fiber.HeaderPermissionsPolicy), []byte("accelerometer=(), autoplay=(), camera=(), display-capture=(), " +
		"geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()")},
	{[]byte("Cross-Origin-Opener-Policy"), []byte("same-origin")},
	{[]byte(fiber.HeaderCrossOriginResourcePolicy), []byte("same-origin")},
}

func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	for _, kv := range securityHeaderValues {
		h.SetCanonical(kv[0], kv[1])
	}
	if s.https {
		setHeader(c, headerCSP, contentSecurityPolicy+"; upgrade-insecure-requests")
		setHeader(c, headerHSTS, "max-age=63072000; includeSubDomains")
	}
}

// corsHandler opens CORS to exactly the configured origins (no wildcards):
// the methods and headers the API uses, no credentials (tokens travel in
// Authorization, not cookies).
func corsHandler(origins []string, production bool) (fiber.Handler, error) {
	for _, o := range origins {
		if err := validOrigin(o); err != nil {
			return nil, err
		}
		if production && !strings.HasPrefix(o, "https://") {
			return nil, fmt.Errorf("api: CORS origin %q: production allows https origins only", o)
		}
	}
	return cors.New(cors.Config{
		AllowOrigins:  strings.Join(origins, ","),
		AllowMethods:  "GET,POST,PUT,PATCH,DELETE",
		AllowHeaders:  "Accept,Accept-Language,Authorization,Content-Type,Idempotency-Key,X-Request-Id",
		ExposeHeaders: "Content-Language,Idempotent-Replayed,Location,Retry-After,X-Request-Id",
		MaxAge:        600,
	}), nil
}

func validOrigin(o string) error {
	u, err := url.Parse(o)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Path == "" &&
		u.User == nil && u.RawQuery == "" && u.Fragment == "" && !strings.ContainsAny(o, "*, ") {
		return nil
	}
	return fmt.Errorf("api: CORS origin %q: want scheme://host[:port], no wildcard or path", o)
}

func compressHandler() fiber.Handler {
	// Event streams go out uncompressed: a compressor holds back what it
	// has not yet filled a block with, and events must arrive as they happen.
	return compress.New(compress.Config{Level: compress.LevelDefault,
		Next: func(c *fiber.Ctx) bool { return isEventStream(c.Path()) }})
}

// errUnknownMethod answers methods Fiber does not route at all ("FOO /").
var errUnknownMethod = fiber.NewError(fiber.StatusBadRequest, "unknown method")

// wrapUnknownMethods puts unknown methods through the error handler; Fiber
// itself would answer them with plain text, outside any middleware.
func (s *Server) wrapUnknownMethods(app *fiber.App) {
	srv := app.Server()
	next := srv.Handler
	known := app.Config().RequestMethods
	srv.Handler = func(fctx *fasthttp.RequestCtx) {
		m := fctx.Method()
		for _, k := range known {
			if string(m) == k {
				next(fctx)
				return
			}
		}
		c := app.AcquireCtx(fctx)
		defer app.ReleaseCtx(c)
		if err := s.handleError(c, errUnknownMethod); err != nil {
			c.Status(fiber.StatusBadRequest)
		}
	}
}

// uploadPath is the one route that takes bodies above Config.BodyLimit
// (photos, up to Config.UploadLimit).
const uploadPath = "/api/v1/attachments"

// limitBody holds every route but uploadPath to Config.BodyLimit. fasthttp
// refuses anything over the larger UploadLimit before reading it; between
// the two, the body has been read (at most UploadLimit bytes) and is
// refused here.
func (s *Server) limitBody(c *fiber.Ctx) error {
	limit := s.cfg.BodyLimit
	if c.Path() == uploadPath {
		limit = s.cfg.UploadLimit
	}
	if len(c.Request().Body()) > limit {
		return &problem{kind: kindTooLarge}
	}
	return c.Next()
}
