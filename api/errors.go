package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/api/catalogue"
	"frontdoor/api/notify"
	"frontdoor/api/open311"
	"frontdoor/api/store"
	"frontdoor/kiosk"
)

// Every error leaves as an RFC 9457 problem (application/problem+json):
//
//	type      <BaseURL>/problems/<slug>: stable per kind of problem; clients
//	          branch on the slug. Relative ("/problems/<slug>") without a BaseURL.
//	title     localized; the same for every problem of that type
//	status    the HTTP status
//	detail    localized; what to do about it
//	instance  urn:request:<request id>, the X-Request-Id of the response
//	errors    for invalid bodies: [{pointer, detail}], pointer an RFC 6901
//	          JSON Pointer into the request body
//
// Only 5xx are logged; clients never see internals.

// problemKind is one kind of problem: its status, the last segment of its
// type URI and the go-i18n message ids of its title and detail.
type problemKind struct {
	status int
	slug   string
	title  string
	detail string
}

var (
	kindBadRequest          = problemKind{400, "bad-request", "ProblemBadRequestTitle", "ProblemBadRequestDetail"}
	kindMalformedJSON       = problemKind{400, "malformed-json", "ProblemMalformedJSONTitle", "ProblemMalformedJSONDetail"}
	kindInvalidBody         = problemKind{400, "invalid-body", "ProblemInvalidBodyTitle", "ProblemInvalidBodyDetail"}
	kindBadCursor           = problemKind{400, "bad-cursor", "ProblemBadCursorTitle", "ProblemBadCursorDetail"}
	kindBadIdempotencyKey   = problemKind{400, "idempotency-key-invalid", "ProblemIdempotencyKeyInvalidTitle", "ProblemIdempotencyKeyInvalidDetail"}
	kindNotFound            = problemKind{404, "not-found", "ProblemNotFoundTitle", "ProblemNotFoundDetail"}
	kindMethodNotAllowed    = problemKind{405, "method-not-allowed", "ProblemMethodNotAllowedTitle", "ProblemMethodNotAllowedDetail"}
	kindTimeout             = problemKind{408, "timeout", "ProblemTimeoutTitle", "ProblemTimeoutDetail"}
	kindConflict            = problemKind{409, "conflict", "ProblemConflictTitle", "ProblemConflictDetail"}
	kindDuplicate           = problemKind{409, "duplicate", "ProblemDuplicateTitle", "ProblemDuplicateDetail"}
	kindIdempotencyBusy     = problemKind{409, "idempotency-in-progress", "ProblemIdempotencyInProgressTitle", "ProblemIdempotencyInProgressDetail"}
	kindTooLarge            = problemKind{413, "too-large", "ProblemTooLargeTitle", "ProblemTooLargeDetail"}
	kindFileTooLarge        = problemKind{413, "file-too-large", "ProblemFileTooLargeTitle", "ProblemFileTooLargeDetail"}
	kindUnsupportedMedia    = problemKind{415, "unsupported-media-type", "ProblemUnsupportedMediaTypeTitle", "ProblemUnsupportedMediaTypeDetail"}
	kindValidation          = problemKind{400, "validation", "ProblemValidationTitle", "ProblemValidationDetail"}
	kindIdempotencyKeyReuse = problemKind{422, "idempotency-key-reused", "ProblemIdempotencyKeyReusedTitle", "ProblemIdempotencyKeyReusedDetail"}
	kindRateLimited         = problemKind{429, "rate-limited", "ProblemRateLimitedTitle", "ProblemRateLimitedDetail"}
	kindHeadersTooLarge     = problemKind{431, "headers-too-large", "ProblemHeadersTooLargeTitle", "ProblemHeadersTooLargeDetail"}
	kindRequestError        = problemKind{400, "request-error", "ProblemRequestErrorTitle", "ProblemRequestErrorDetail"}
	kindInternal            = problemKind{500, "internal", "ProblemInternalTitle", "ProblemInternalDetail"}
	kindUnavailable         = problemKind{503, "unavailable", "ProblemUnavailableTitle", "ProblemUnavailableDetail"}

	// Identity and sessions (issue 3); texts in locales/auth.*.toml. The
	// detail of invalid-token and code-rejected is the domain's message id.
	kindUnauthorized       = problemKind{401, "unauthorized", "ProblemUnauthorizedTitle", "ProblemUnauthorizedDetail"}
	kindInvalidToken       = problemKind{401, "invalid-token", "ProblemInvalidTokenTitle", auth.TokenInvalid}
	kindInvalidCredentials = problemKind{401, "invalid-credentials", "ProblemInvalidCredentialsTitle", "SignInFailed"}
	kindForbidden          = problemKind{403, "forbidden", "ProblemForbiddenTitle", "ProblemForbiddenDetail"}
	kindNotVerified        = problemKind{403, "contact-not-verified", "ProblemContactNotVerifiedTitle", "ContactNotVerified"}
	kindAccountDisabled    = problemKind{403, "account-disabled", "ProblemAccountDisabledTitle", "AccountDisabled"}
	kindCodeRejected       = problemKind{400, "code-rejected", "ProblemCodeRejectedTitle", auth.CodeWrong}
	kindSignInThrottled    = problemKind{429, "sign-in-throttled", "ProblemSignInThrottledTitle", auth.ThrottleSignIn}
	kindCodeLimited        = problemKind{429, "code-limit", "ProblemCodeLimitTitle", auth.CodeIssueLimited}

	// Customer record and Tell Us Once (issue 3); texts in locales/accounts.*.toml.
	kindPropagationNotFailed = problemKind{409, "propagation-not-failed", "ProblemPropagationNotFailedTitle", "ProblemPropagationNotFailedDetail"}

	// Catalogue and cases (issue 4); texts in locales/cases.*.toml.
	kindTransition      = problemKind{409, "transition-not-allowed", "ProblemTransitionTitle", "ProblemTransitionDetail"}
	kindCaseFinished    = problemKind{409, "case-finished", "ProblemCaseFinishedTitle", "ProblemCaseFinishedDetail"}
	kindFeedbackGiven   = problemKind{409, "feedback-given", "ProblemFeedbackGivenTitle", "ProblemFeedbackGivenDetail"}
	kindCaseStillOpen   = problemKind{409, "case-still-open", "ProblemCaseStillOpenTitle", "ProblemCaseStillOpenDetail"}
	kindEscalation      = problemKind{409, "escalation-not-allowed", "ProblemEscalationTitle", "ProblemEscalationDetail"}
	kindTimelineFull    = problemKind{409, "timeline-full", "ProblemTimelineFullTitle", "ProblemTimelineFullDetail"}
	kindPhotoType       = problemKind{415, "photo-type", "ProblemPhotoTypeTitle", "ProblemPhotoTypeDetail"}
	kindPhotoPixels     = problemKind{413, "photo-too-many-pixels", "ProblemPhotoPixelsTitle", "ProblemPhotoPixelsDetail"}
	kindPhotoCorrupt    = problemKind{400, "photo-unreadable", "ProblemPhotoCorruptTitle", "ProblemPhotoCorruptDetail"}
	kindTrackThrottled  = problemKind{429, "track-throttled", "ProblemTrackThrottledTitle", "ProblemTrackThrottledDetail"}
	kindOpen311KeyWrong = problemKind{403, "api-key-invalid", "ProblemAPIKeyTitle", "ProblemAPIKeyDetail"}

	// Notifications (issue 5); texts in locales/notify.*.toml.
	kindChannelUnavailable = problemKind{400, "channel-unavailable", "ProblemChannelUnavailableTitle", "ProblemChannelUnavailableDetail"}

	// The kiosk profile (issue 7); texts in locales/kiosk.*.toml.
	kindDeviceInvalid     = problemKind{401, "device-invalid", "ProblemDeviceInvalidTitle", "ProblemDeviceInvalidDetail"}
	kindDeviceNotAllowed  = problemKind{403, "device-not-allowed", "ProblemDeviceNotAllowedTitle", "ProblemDeviceNotAllowedDetail"}
	kindKioskForbidden    = problemKind{403, "forbidden", "ProblemForbiddenTitle", "ProblemKioskForbiddenDetail"}
	kindKioskSignIn       = problemKind{403, "kiosk-sign-in-required", "ProblemKioskSignInTitle", "ProblemKioskSignInDetail"}
	kindKioskNotHere      = problemKind{403, "not-on-kiosk", "ProblemKioskNotHereTitle", "ProblemKioskNotHereDetail"}
	kindKioskRecordClosed = problemKind{403, "kiosk-record-not-allowed", "ProblemKioskRecordTitle", "ProblemKioskRecordDetail"}
	kindKioskEnded        = problemKind{409, "kiosk-session-ended", "ProblemKioskEndedTitle", "ProblemKioskEndedDetail"}
	kindKioskJoined       = problemKind{409, "kiosk-already-joined", "ProblemKioskJoinedTitle", "ProblemKioskJoinedDetail"}
	kindKioskNoJoin       = problemKind{409, "kiosk-no-pending-join", "ProblemKioskNoJoinTitle", "ProblemKioskNoJoinDetail"}
	kindKioskNotJoined    = problemKind{409, "kiosk-not-joined", "ProblemKioskNotJoinedTitle", "ProblemKioskNotJoinedDetail"}
	kindKioskSignedIn     = problemKind{409, "kiosk-signed-in", "ProblemKioskSignedInTitle", "ProblemKioskSignedInDetail"}
	kindKioskWrongProfile = problemKind{409, "kiosk-wrong-profile", "ProblemKioskWrongProfileTitle", "ProblemKioskWrongProfileDetail"}
	kindHandOffInvalid    = problemKind{410, "handoff-expired", "ProblemHandOffTitle", "ProblemHandOffDetail"}
)

// errorTable is the one place domain errors meet HTTP. Later issues add a
// row per domain sentinel (cases.ErrClosed -> a 409 kind, ...) and a rule in
// classify per typed error (a domain *ValidationError becomes kindValidation
// with its fields' pointers and message ids).
var errorTable = []struct {
	err  error
	kind problemKind
}{
	{store.ErrNotFound, kindNotFound},
	{store.ErrConflict, kindConflict},
	{store.ErrDuplicate, kindDuplicate},
	{store.ErrBadCursor, kindBadCursor},
	{store.ErrTooLarge, kindFileTooLarge},
	{accounts.ErrNotFailed, kindPropagationNotFailed},
	{catalogue.ErrStale, kindConflict},
	{cases.ErrTransition, kindTransition},
	{cases.ErrFinished, kindCaseFinished},
	{cases.ErrFeedbackGiven, kindFeedbackGiven},
	{cases.ErrNotYetClosed, kindCaseStillOpen},
	{cases.ErrEscalation, kindEscalation},
	{cases.ErrTooManyEvents, kindTimelineFull},
	{cases.ErrTeamForbidden, kindForbidden},
	{cases.ErrPhotoType, kindPhotoType},
	{cases.ErrPhotoTooBig, kindFileTooLarge},
	{cases.ErrPhotoPixels, kindPhotoPixels},
	{cases.ErrPhotoCorrupt, kindPhotoCorrupt},
	{open311.ErrUnknownKey, kindOpen311KeyWrong},
	{notify.ErrNoChannel, kindChannelUnavailable}, // a code to a phone where the council sends no SMS
	{kiosk.ErrForbidden, kindKioskForbidden},
	{kiosk.ErrDeviceInvalid, kindDeviceInvalid},
	{kiosk.ErrSessionEnded, kindKioskEnded},
	{kiosk.ErrHandOffInvalid, kindHandOffInvalid},
	{kiosk.ErrAlreadyJoined, kindKioskJoined},
	{kiosk.ErrNoPendingJoin, kindKioskNoJoin},
	{kiosk.ErrNotJoined, kindKioskNotJoined},
	{kiosk.ErrSignedIn, kindKioskSignedIn},
	{kiosk.ErrWrongProfile, kindKioskWrongProfile},
}

// statusKinds classifies Fiber's and fasthttp's own errors by their status.
// (429 is not here: its detail needs the seconds to wait, which only the
// rate limiter knows; it returns its problem itself.)
var statusKinds = map[int]problemKind{
	400: kindBadRequest,
	404: kindNotFound,
	405: kindMethodNotAllowed,
	408: kindTimeout,
	413: kindTooLarge,
	415: kindUnsupportedMedia,
	431: kindHeadersTooLarge,
	503: kindUnavailable,
}

// problem is an error whose kind is already known: handlers and middleware
// return it; classify turns every other error into one.
type problem struct {
	kind   problemKind
	fields []fieldError
	count  any   // {{.Count}} of a plural detail (seconds to wait, ...)
	cause  error // logged for 5xx, never shown

	retryAfter time.Duration // a 429's Retry-After, when the handler did not set it
}

func (p *problem) Error() string {
	if p.cause != nil {
		return p.kind.slug + ": " + p.cause.Error()
	}
	return p.kind.slug
}

func (p *problem) Unwrap() error { return p.cause }

// fieldError is one thing wrong with one part of the request body.
type fieldError struct {
	pointer string         // RFC 6901 JSON Pointer; "" is the whole body
	message string         // go-i18n message id
	data    map[string]any // the message's template data
}

func classify(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	if p := fieldsProblem(err); p != nil {
		return p
	}
	if p := authProblem(err); p != nil {
		return p
	}
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			return &problem{kind: row.kind, cause: err}
		}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if k, ok := statusKinds[fe.Code]; ok {
			return &problem{kind: k, cause: err}
		}
		if fe.Code >= 400 && fe.Code < 500 {
			k := kindRequestError
			k.status = fe.Code
			return &problem{kind: k, cause: err}
		}
	}
	return &problem{kind: kindInternal, cause: err}
}

// The wire form of a problem.
type problemBody struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Instance string         `json:"instance"`
	Errors   []problemField `json:"errors,omitempty"`
}

type problemField struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
}

// handleError is Fiber's ErrorHandler and the end of every failed request.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if requestID(c) == "" {
		// fasthttp refused the request before any middleware ran (a body or
		// headers too large, a read timeout): give it what the chain would have.
		s.beginRequest(c)
		s.setSecurityHeaders(c)
		defer s.observe(c, time.Now())
	}
	p := classify(err)
	if p.kind.status >= 500 {
		attrs := []slog.Attr{slog.String("route", routeTemplate(c)), slog.Int("status", p.kind.status), slog.String("error", err.Error())}
		var pe *panicError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.String("stack", string(pe.stack)))
		}
		s.log.LogAttrs(c.UserContext(), slog.LevelError, "request failed", attrs...)
	}
	return s.writeProblem(c, p)
}

func (s *Server) writeProblem(c *fiber.Ctx, p *problem) error {
	lang := s.langs.pick(c)
	body := problemBody{
		Type:     s.problemURI + p.kind.slug,
		Title:    s.langs.localize(lang, p.kind.title, nil, nil),
		Status:   p.kind.status,
		Instance: "urn:request:" + requestID(c),
	}
	var data map[string]any
	if p.count != nil {
		data = map[string]any{"Count": p.count}
	}
	body.Detail = s.langs.localize(lang, p.kind.detail, data, p.count)
	for _, f := range p.fields {
		body.Errors = append(body.Errors, problemField{Pointer: f.pointer, Detail: s.langs.localize(lang, f.message, f.data, f.data["Count"])})
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	c.Status(p.kind.status)
	problemHeaders(c, p)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentLanguage, s.langs.name(lang))
	return c.Send(b)
}

// problemHeaders adds what some statuses call for: the Bearer challenge of a
// 401 and of a missing role's 403 (RFC 6750 section 3), and a Retry-After
// the domain computed.
func problemHeaders(c *fiber.Ctx, p *problem) {
	switch {
	case p.kind.slug == kindDeviceInvalid.slug:
		c.Set(fiber.HeaderWWWAuthenticate, "Device") // the terminal's own scheme, not a bearer token
	case p.kind.slug == kindInvalidToken.slug:
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
	case p.kind.status == fiber.StatusUnauthorized:
		c.Set(fiber.HeaderWWWAuthenticate, "Bearer")
	case p.kind.slug == kindForbidden.slug:
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer error="insufficient_scope"`)
	}
	if p.retryAfter > 0 && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.FormatInt(int64((p.retryAfter+time.Second-1)/time.Second), 10))
	}
}

// authProblem maps the errors of package auth; nil for any other error.
func authProblem(err error) *problem {
	var (
		token     *auth.TokenError
		account   *auth.AccountError
		throttled *auth.ThrottleError
		code      *auth.CodeError
	)
	switch {
	case errors.As(err, &token):
		p := tokenProblem(token.ID)
		p.cause = err
		return p
	case errors.As(err, &account):
		k := kindInvalidCredentials
		switch account.ID {
		case auth.ErrNotVerified.ID:
			k = kindNotVerified
		case auth.ErrDisabled.ID:
			k = kindAccountDisabled
		}
		return &problem{kind: k, cause: err}
	case errors.As(err, &throttled):
		return &problem{kind: kindSignInThrottled, count: throttled.Data["Count"], retryAfter: throttled.RetryAfter, cause: err}
	case errors.As(err, &code) && code.ID == auth.CodeIssueLimited:
		return &problem{kind: kindCodeLimited, count: code.Data["Count"], retryAfter: code.RetryAfter, cause: err}
	case errors.As(err, &code):
		k := kindCodeRejected
		k.detail = code.ID
		return &problem{kind: k, count: code.Data["Count"], cause: err,
			fields: []fieldError{{pointer: "/code", message: code.ID, data: code.Data}}}
	}
	return nil
}

// fieldsProblem maps every domain's validation errors (each field with a
// JSON Pointer and a message id) and clashes on one field; nil otherwise.
func fieldsProblem(err error) *problem {
	var (
		invalid interface {
			error
			EachField(func(pointer, id string, data map[string]any))
		}
		conflict interface {
			error
			Field() (pointer, id string)
		}
	)
	switch {
	case errors.As(err, &invalid):
		p := &problem{kind: kindValidation, cause: err}
		invalid.EachField(func(pointer, id string, data map[string]any) {
			p.fields = append(p.fields, fieldError{pointer: pointer, message: id, data: data})
		})
		return p
	case errors.As(err, &conflict):
		pointer, id := conflict.Field()
		return &problem{kind: kindDuplicate, fields: []fieldError{{pointer: pointer, message: id}}, cause: err}
	}
	return nil
}
