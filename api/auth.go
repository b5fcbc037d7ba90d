package api

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"frontdoor/api/auth"
)

// Identity and sessions over HTTP (issue 3): registration and verification,
// sign-in with a password or a one-time code, refresh, logout, password
// change, the JWKS, and staff administration. Each handler decodes, makes
// one call into auth.Service and encodes; errors.go says what each refusal
// looks like.
//
// None of these routes takes Idempotency-Key. The idempotency record keeps
// an unsalted SHA-256 of the body for a day, and these bodies hold passwords
// and contacts: a fast hash of a password next to the account would undo
// Argon2id for anyone with a copy of the database. They need no replay
// either: a repeated registration creates no second account (contacts are
// unique; a pending one is replaced), a repeated code request only replaces
// the code, and both are bounded by the per-address and per-contact limits.

// The refresh cookie: only ever sent back to the auth routes, never readable
// by scripts, never sent cross-site.
const (
	refreshCookie     = "frontdoor_refresh"
	refreshCookiePath = "/api/v1/auth"
	clientNative      = "native" // apps that keep the refresh token themselves
	clientWeb         = "web"
)

// identityOn answers 404 for the identity routes of a server built without
// them (see Deps.Auth).
func (s *Server) identityOn(c *fiber.Ctx) error {
	if s.auth == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}

type registerRequest struct {
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Language string `json:"language"`
}

type contactCodeRequest struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

type contactRequest struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type loginRequest struct {
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
	Client   string `json:"client"`
}

type codeLoginRequest struct {
	Email  string `json:"email"`
	Phone  string `json:"phone"`
	Code   string `json:"code"`
	Client string `json:"client"`
}

// sessionRequest is the optional body of refresh and logout: browsers send
// none (the cookie carries the token), native clients the token itself.
type sessionRequest struct {
	RefreshToken string `json:"refresh_token"`
	Client       string `json:"client"`
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

type statusResponse struct {
	Status string `json:"status"`
}

// tokenResponse is RFC 6749's access token response.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

func (s *Server) register(c *fiber.Ctx) error {
	var req registerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := auth.RegisterInput{Email: req.Email, Phone: req.Phone, Password: req.Password,
		Name: req.Name, Language: req.Language, IP: s.clientIP(c).String()}
	if err := s.auth.Register(c.UserContext(), in); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(statusResponse{Status: "verification_sent"})
}

func (s *Server) verifyContact(c *fiber.Ctx) error {
	var req contactCodeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.auth.Verify(c.UserContext(), auth.Contact{Email: req.Email, Phone: req.Phone}, req.Code); err != nil {
		return err
	}
	return c.JSON(statusResponse{Status: "verified"})
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := checkClient(req.Client); err != nil {
		return err
	}
	g, err := s.auth.Login(c.UserContext(), auth.LoginInput{Email: req.Email, Phone: req.Phone,
		Password: req.Password, IP: s.clientIP(c).String()})
	if err != nil {
		return err
	}
	return sendGrant(c, g, req.Client == clientNative)
}

// requestSignInCode answers the same whether or not anyone holds the contact.
func (s *Server) requestSignInCode(c *fiber.Ctx) error {
	var req contactRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	contact := auth.Contact{Email: req.Email, Phone: req.Phone}
	if err := s.auth.RequestSignInCode(c.UserContext(), contact, s.clientIP(c).String()); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(statusResponse{Status: "accepted"})
}

func (s *Server) loginWithCode(c *fiber.Ctx) error {
	var req codeLoginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := checkClient(req.Client); err != nil {
		return err
	}
	g, err := s.auth.LoginWithCode(c.UserContext(), auth.CodeLoginInput{Email: req.Email, Phone: req.Phone,
		Code: req.Code, IP: s.clientIP(c).String()})
	if err != nil {
		return err
	}
	return sendGrant(c, g, req.Client == clientNative)
}

// refresh rotates the refresh token from the body or, failing that, the
// cookie. A refused token's cookie is cleared: it will never work again.
func (s *Server) refresh(c *fiber.Ctx) error {
	req, err := decodeSessionRequest(c)
	if err != nil {
		return err
	}
	token, fromBody := req.RefreshToken, req.RefreshToken != ""
	if !fromBody {
		token = strings.Clone(c.Cookies(refreshCookie))
	}
	g, err := s.auth.Refresh(c.UserContext(), token)
	var refused *auth.TokenError
	if errors.As(err, &refused) {
		clearRefreshCookie(c)
	}
	if err != nil {
		return err
	}
	return sendGrant(c, g, fromBody || req.Client == clientNative)
}

// logout ends the session of the access token, if a valid one is sent, and
// that of the refresh token (body or cookie). It always succeeds and clears
// the cookie: an expired access token must not keep anyone signed in.
func (s *Server) logout(c *fiber.Ctx) error {
	req, err := decodeSessionRequest(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var sid string
	if token, _, ok := bearerToken(c); ok {
		if cl, err := s.tokens.Verify(ctx, token); err == nil {
			sid = cl.SessionID
		}
	}
	refresh := req.RefreshToken
	if refresh == "" {
		refresh = strings.Clone(c.Cookies(refreshCookie))
	}
	if err := errors.Join(s.auth.Logout(ctx, sid, ""), s.auth.Logout(ctx, "", refresh)); err != nil {
		return err
	}
	clearRefreshCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// changePassword keeps the caller's session and ends every other one. Staff
// acting for a resident (assisted) may not: the password is the resident's.
func (s *Server) changePassword(c *fiber.Ctx) error {
	cl := claimsOf(c)
	if cl.ActorID != "" {
		return &problem{kind: kindForbidden}
	}
	var req passwordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.auth.ChangePassword(c.UserContext(), cl.ID, req.CurrentPassword, req.NewPassword, cl.SessionID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// jwks publishes the keys that verify our access tokens (RFC 7517). Five
// minutes of caching: a rotated-in key signs only after every replica has
// reloaded, and relying parties refetch on an unknown kid anyway.
func (s *Server) jwks(c *fiber.Ctx) error {
	b, err := s.tokens.JWKS(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/jwk-set+json")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}

// decodeSessionRequest reads the optional body of refresh and logout.
func decodeSessionRequest(c *fiber.Ctx) (sessionRequest, error) {
	var req sessionRequest
	if len(c.Request().Body()) == 0 {
		return req, nil
	}
	if err := decodeJSON(c, &req); err != nil {
		return req, err
	}
	return req, checkClient(req.Client)
}

// checkClient accepts "web" (the default: the refresh token only in the
// cookie) and "native" (in the body too).
func checkClient(client string) error {
	if client == "" || client == clientWeb || client == clientNative {
		return nil
	}
	return &problem{kind: kindValidation, fields: []fieldError{{pointer: "/client", message: auth.MsgValueNotAllowed}}}
}

// sendGrant answers a sign-in or refresh: the access token in the body, the
// refresh token in the cookie and, for native clients, in the body too.
func sendGrant(c *fiber.Ctx, g *auth.Grant, refreshInBody bool) error {
	c.Cookie(&fiber.Cookie{
		Name: refreshCookie, Value: g.RefreshToken, Path: refreshCookiePath,
		Expires: g.RefreshExpiresAt, MaxAge: int(time.Until(g.RefreshExpiresAt) / time.Second),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
	})
	res := tokenResponse{AccessToken: g.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(max(0, time.Until(g.AccessExpiresAt).Round(time.Second)/time.Second))}
	if refreshInBody {
		res.RefreshToken = g.RefreshToken
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(res)
}

func clearRefreshCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: refreshCookie, Path: refreshCookiePath, Expires: fasthttp.CookieExpireDelete,
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
	})
}

// Staff administration (admins only, see routes).

type createStaffRequest struct {
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Teams    []string  `json:"teams"`
	Password string    `json:"password"`
}

type updateStaffRequest struct {
	Roles    []auth.Role `json:"roles"`
	Teams    []string    `json:"teams"` // [] clears them; absent or null leaves them
	Disabled *bool       `json:"disabled"`
}

type staffPage struct {
	Items []auth.UserInfo `json:"items"`
	Next  string          `json:"next,omitempty"`
}

// maxCursor bounds a page cursor before it reaches the store.
const maxCursor = 1024

func (s *Server) createStaff(c *fiber.Ctx) error {
	var req createStaffRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.auth.CreateUser(c.UserContext(), auth.CreateUserInput{Email: req.Email, Name: req.Name,
		Role: req.Role, Teams: req.Teams, Password: req.Password})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u.Info())
}

func (s *Server) listStaff(c *fiber.Ctx) error {
	cursor := strings.Clone(c.Query("cursor"))
	if len(cursor) > maxCursor {
		return &problem{kind: kindBadCursor}
	}
	users, next, err := s.auth.ListStaff(c.UserContext(), cursor)
	if err != nil {
		return err
	}
	page := staffPage{Items: make([]auth.UserInfo, len(users)), Next: next}
	for i := range users {
		page.Items[i] = users[i].Info()
	}
	return c.JSON(page)
}

// updateStaff changes roles, teams or the disabled flag. An admin cannot
// lock themselves out (drop their own admin role, disable themselves): the
// last admin doing so would leave no one to undo it.
func (s *Server) updateStaff(c *fiber.Ctx) error {
	var req updateStaffRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id := strings.Clone(c.Params("id"))
	if id == claimsOf(c).ID {
		if req.Roles != nil && !slices.Contains(req.Roles, auth.RoleAdmin) {
			return &problem{kind: kindValidation, fields: []fieldError{{pointer: "/roles", message: msgAdminLockout}}}
		}
		if req.Disabled != nil && *req.Disabled {
			return &problem{kind: kindValidation, fields: []fieldError{{pointer: "/disabled", message: msgAdminLockout}}}
		}
	}
	u, err := s.auth.UpdateStaff(c.UserContext(), id, auth.UpdateStaffInput{Roles: req.Roles, Teams: req.Teams, Disabled: req.Disabled})
	if err != nil {
		return err
	}
	return c.JSON(u.Info())
}

// msgAdminLockout is the HTTP layer's own message (locales/auth.*.toml).
const msgAdminLockout = "AdminSelfLockout"
