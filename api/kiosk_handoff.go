package api

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"rsc.io/qr"

	"frontdoor/api/auth"
	"frontdoor/api/store"
	"frontdoor/kiosk"
)

// Hand-off and letter codes: two ways into an account that type no
// password. A hand-off link moves the journey on a terminal to the
// resident's own phone (a QR code on the screen; the kiosk session ends
// when the phone opens it). A letter code, printed by staff for someone
// with no email or phone, signs them in where they type it: on a terminal
// that upgrades its session, elsewhere it starts a web session.

// handOffPage is the web app's page a hand-off link opens; it posts the
// token to POST /api/v1/handoff/{token}.
const handOffPage = "/handoff/"

type handOffRequest struct {
	Path string `json:"path"`
}

type handOffView struct {
	URL       string    `json:"url"`
	QR        string    `json:"qr"` // the URL as a QR code: a PNG data URL
	ExpiresAt time.Time `json:"expires_at"`
}

// qrDataURL draws link as a QR code a phone's camera reads from a kiosk
// screen: medium error correction, as a PNG data URL the page can show
// under its CSP (img-src data:).
func qrDataURL(link string) (string, error) {
	code, err := qr.Encode(link, qr.M)
	if err != nil {
		return "", err
	}
	code.Scale = 8
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG()), nil
}

func (s *Server) handOff(c *fiber.Ctx) error {
	var req handOffRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sess, err := s.ownLiveSession(c)
	if err != nil {
		return err
	}
	token, exp, err := s.kiosk.HandOff(c.UserContext(), sess.ID, req.Path)
	if err != nil {
		return err
	}
	link := s.baseURL(c) + handOffPage + token
	img, err := qrDataURL(link)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(handOffView{URL: link, QR: img, ExpiresAt: exp})
}

// handOffClaimView is what the phone gets: the journey to open and, when a
// resident was signed in on the terminal, a web session of their own (the
// refresh token in the cookie, as at sign-in).
type handOffClaimView struct {
	Path string `json:"path"`
	*tokenResponse
}

func (s *Server) claimHandOff(c *fiber.Ctx) error {
	ctx := c.UserContext()
	claim, err := s.kiosk.ClaimHandOff(ctx, strings.Clone(c.Params("token")))
	if err != nil {
		return err
	}
	s.hub.end(claim.SessionID, kiosk.EndHandOff)
	out := handOffClaimView{Path: claim.Path}
	if claim.Resident != "" {
		g, err := s.webSession(ctx, claim.Resident)
		if err != nil {
			return err
		}
		out.tokenResponse = setGrantCookie(c, g)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// webSession starts a web session for a resident who proved who they are
// another way (a hand-off link, a letter code): with the roles their
// account holds, unless it has been disabled or deleted meanwhile.
func (s *Server) webSession(ctx context.Context, residentID string) (*auth.Grant, error) {
	if s.auth == nil {
		return nil, &problem{kind: kindNotFound}
	}
	u, err := s.auth.GetUser(ctx, residentID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, auth.ErrDisabled
	}
	return s.tokens.SignIn(ctx, auth.Subject{ID: u.ID, Roles: u.Roles, Channel: auth.ChannelWeb})
}

// setGrantCookie puts a grant's refresh token in the refresh cookie, as
// sendGrant does at sign-in, and returns the body's part of it.
func setGrantCookie(c *fiber.Ctx, g *auth.Grant) *tokenResponse {
	c.Cookie(&fiber.Cookie{
		Name: refreshCookie, Value: g.RefreshToken, Path: refreshCookiePath,
		Expires: g.RefreshExpiresAt, MaxAge: int(time.Until(g.RefreshExpiresAt) / time.Second),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
	})
	return &tokenResponse{AccessToken: g.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(max(0, time.Until(g.AccessExpiresAt).Round(time.Second)/time.Second))}
}

// Letter codes.

type letterRequest struct {
	Name       string `json:"name"`
	Language   string `json:"language"`
	ResidentID string `json:"resident_id"`
}

type letterView struct {
	ResidentID string    `json:"resident_id"`
	Code       string    `json:"code"`
	ExpiresAt  time.Time `json:"expires_at"`
	Letter     struct {
		Language string   `json:"language"`
		Lines    []string `json:"lines"`
	} `json:"letter"`
}

// issueLetter makes an account for someone with no email or phone (a name,
// and the language to write to them in) and a one-time letter code for it;
// or, given resident_id, a new code for an account that has one (a lost
// letter: the old code stops working). The code is shown this once.
func (s *Server) issueLetter(c *fiber.Ctx) error {
	var req letterRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	var u *auth.User
	var err error
	switch {
	case req.ResidentID != "" && (req.Name != "" || req.Language != ""):
		return fieldProblem("/resident_id", kiosk.MsgNotAllowed)
	case req.ResidentID != "":
		// Only for accounts without a contact: a letter for anyone else's
		// would let whoever holds it into an account they do not own.
		u, err = s.auth.GetUser(ctx, req.ResidentID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (u.Staff || u.Email != "" || u.Phone != "")) {
			return fieldProblem("/resident_id", kiosk.MsgInvalidValue)
		}
	default:
		u, err = s.auth.CreateResident(ctx, auth.CreateResidentInput{Name: req.Name, Language: req.Language})
	}
	if err != nil {
		return err
	}
	l, err := s.kiosk.IssueLetter(ctx, kioskStaff(c), u.ID)
	if err != nil {
		if req.ResidentID == "" {
			_ = s.auth.DeleteUser(ctx, u.ID) // an account no one can reach
		}
		return err
	}
	v := letterView{ResidentID: u.ID, Code: l.Code, ExpiresAt: l.ExpiresAt}
	v.Letter.Language, v.Letter.Lines = u.Language, s.letterLines(c, u, l)
	return c.Status(fiber.StatusCreated).JSON(v)
}

// letterLines is the letter to print, in the resident's language.
func (s *Server) letterLines(c *fiber.Ctx, u *auth.User, l *kiosk.Letter) []string {
	lang, ok := s.langs.match(u.Language)
	if !ok {
		lang = 0
	}
	t := func(id string, data map[string]any) string { return s.langs.localize(lang, id, data, nil) }
	return []string{
		t("KioskLetterGreeting", map[string]any{"Name": u.Name}),
		t("KioskLetterIntro", nil),
		t("KioskLetterHow", map[string]any{"URL": s.baseURL(c) + "/"}),
		l.Code,
		t("KioskLetterExpiry", map[string]any{"Date": l.ExpiresAt.In(s.london).Format(time.DateOnly)}),
		t("KioskLetterHelp", nil),
	}
}

type claimLetterRequest struct {
	Code string `json:"code"`
}

// claimLetter spends a letter code and signs its resident in where it was
// typed: on a terminal (a kiosk session's token), the session becomes
// theirs; anywhere else, a web session starts, as at sign-in.
func (s *Server) claimLetter(c *fiber.Ctx) error {
	var req claimLetterRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx, cl := c.UserContext(), claimsOf(c)
	onKiosk := cl != nil && kioskSID(cl.SessionID)
	if onKiosk {
		sess, err := s.kiosk.LiveSession(ctx, cl.SessionID)
		if err != nil {
			return err
		}
		if sess.Resident != "" {
			return kiosk.ErrSignedIn // before the code is spent
		}
	}
	residentID, err := s.kiosk.ClaimLetter(ctx, req.Code)
	if err != nil {
		return err
	}
	switch u, err := s.auth.GetUser(ctx, residentID); {
	case errors.Is(err, store.ErrNotFound): // the account was erased since
		return fieldProblem("/code", kiosk.MsgLetterCodeInvalid)
	case err != nil:
		return err
	case u.Disabled:
		return auth.ErrDisabled
	}
	if onKiosk {
		return s.signInSession(c, cl.SessionID, residentID)
	}
	g, err := s.webSession(ctx, residentID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(setGrantCookie(c, g))
}
