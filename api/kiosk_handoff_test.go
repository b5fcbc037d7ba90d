package api

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/kiosk"
)

// Hand-off to the resident's own phone, and letter codes.

type handOffJSON struct {
	URL       string    `json:"url"`
	QR        string    `json:"qr"`
	ExpiresAt time.Time `json:"expires_at"`
}

// checkQR: the link comes as a QR code a phone can scan from the screen: a
// square PNG big enough to read, drawing this link and no other.
func checkQR(tb testing.TB, h handOffJSON) {
	tb.Helper()
	data, ok := strings.CutPrefix(h.QR, "data:image/png;base64,")
	raw, err := base64.StdEncoding.DecodeString(data)
	if !ok || err != nil {
		tb.Fatalf("qr %.40q: %v", h.QR, err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("qr png: %v", err)
	}
	if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 200 {
		tb.Errorf("qr is %v: want a square of at least 200 px", b)
	}
	want, _ := qrDataURL(h.URL)
	other, _ := qrDataURL(h.URL + "x")
	if h.QR != want || h.QR == other {
		tb.Error("the QR code does not draw the link")
	}
}

type claimJSON struct {
	Path        string `json:"path"`
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// handOffToken is the token of a hand-off link.
func handOffToken(tb testing.TB, url string) string {
	tb.Helper()
	_, token, ok := strings.Cut(url, "/handoff/")
	if !ok || !strings.HasPrefix(token, "fdh_") {
		tb.Fatalf("hand-off link %q", url)
	}
	return token
}

func TestHandOff(t *testing.T) {
	e := newKioskEnv(t)
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	ptr := func(s string) *string { return &s }

	// An anonymous journey moves to the phone, which gets the path only.
	sess := e.startSession(t, device)
	base := "/api/v1/kiosk/sessions/" + sess.SessionID
	e.run(t, []apiCase{
		{name: "another site", method: "POST", path: base + "/handoff", token: sess.AccessToken, body: `{"path": "//evil.example/x"}`,
			status: 400, slug: "validation", pointer: ptr("/path"), check: func(t *testing.T, r *response) {
				if r.problem.Errors[0].Detail != "This is not a page of this service." {
					t.Errorf("detail %q", r.problem.Errors[0].Detail)
				}
			}},
		{name: "no path", method: "POST", path: base + "/handoff", token: sess.AccessToken, body: `{}`, status: 400, slug: "validation"},
		{name: "the terminal alone", method: "POST", path: base + "/handoff", body: `{"path": "/report"}`, headers: deviceAuth(device),
			status: 403, slug: "device-not-allowed"},
	})
	h := mustJSON[handOffJSON](t, e.call(t, "POST", base+"/handoff", sess.AccessToken, `{"path": "/report/pothole?step=2"}`), 201)
	checkQR(t, h)
	if !strings.HasPrefix(h.URL, e.url+"/handoff/fdh_") || h.ExpiresAt.Sub(e.clock.Now()) != kiosk.HandOffTTL {
		t.Fatalf("hand-off %+v", h)
	}
	token := handOffToken(t, h.URL)
	r := e.call(t, "POST", "/api/v1/handoff/"+token, "", "")
	got := mustJSON[claimJSON](t, r, 200)
	if got.Path != "/report/pothole?step=2" || got.AccessToken != "" || refreshCookieOf(r) != nil {
		t.Errorf("claimed %+v (anonymous: no session)", got)
	}
	e.refused(t, sess.AccessToken) // the kiosk session ended
	mustProblem(t, e.call(t, "POST", "/api/v1/handoff/"+token, "", ""), 410, "handoff-expired")
	mustProblem(t, e.call(t, "POST", "/api/v1/handoff/fdh_nonsense", "", ""), 410, "handoff-expired")

	// Signed in: the phone gets a web session of the resident's own.
	adaID, _ := e.signUp(t, "ada@example.org", "Ada Lovelace")
	sess = e.startSession(t, device)
	base = "/api/v1/kiosk/sessions/" + sess.SessionID
	e.call(t, "POST", base+"/codes", sess.AccessToken, `{"email": "ada@example.org"}`)
	signed := mustJSON[kioskTokenJSON](t, e.call(t, "POST", base+"/codes/verify", sess.AccessToken,
		`{"email": "ada@example.org", "code": "`+e.code(t, "ada@example.org")+`"}`), 200)
	h = mustJSON[handOffJSON](t, e.call(t, "POST", base+"/handoff", signed.AccessToken, `{"path": "/account"}`), 201)
	r = e.call(t, "POST", "/api/v1/handoff/"+handOffToken(t, h.URL), "", "")
	got = mustJSON[claimJSON](t, r, 200)
	cookie := refreshCookieOf(r)
	if got.Path != "/account" || got.AccessToken == "" || got.TokenType != "Bearer" || cookie == nil || !cookie.HttpOnly {
		t.Fatalf("claimed %+v, cookie %v", got, cookie)
	}
	cl := e.claims(t, got.AccessToken)
	if cl.ID != adaID || cl.Channel != auth.ChannelWeb || kioskSID(cl.SessionID) {
		t.Errorf("the phone's session %+v", cl.Subject)
	}
	if me := e.call(t, "GET", "/api/v1/me", got.AccessToken, ""); me.status != 200 {
		t.Errorf("the phone reads the record: %s", me)
	}
	e.refused(t, signed.AccessToken)

	// A link expires, and dies with its session.
	sess = e.startSession(t, device)
	base = "/api/v1/kiosk/sessions/" + sess.SessionID
	old := mustJSON[handOffJSON](t, e.call(t, "POST", base+"/handoff", sess.AccessToken, `{"path": "/"}`), 201)
	for range 3 { // five minutes of activity: the session stays, the link goes
		e.clock.Advance(kiosk.HandOffTTL / 3)
		if r := e.call(t, "POST", base+"/touch", sess.AccessToken, ""); r.status != 200 {
			t.Fatal(r)
		}
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/handoff/"+handOffToken(t, old.URL), "", ""), 410, "handoff-expired")
	fresh := mustJSON[handOffJSON](t, e.call(t, "POST", base+"/handoff", sess.AccessToken, `{"path": "/"}`), 201)
	if r := e.call(t, "POST", base+"/end", sess.AccessToken, ""); r.status != 204 {
		t.Fatal(r)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/handoff/"+handOffToken(t, fresh.URL), "", ""), 410, "handoff-expired")
}

type letterJSON struct {
	ResidentID string    `json:"resident_id"`
	Code       string    `json:"code"`
	ExpiresAt  time.Time `json:"expires_at"`
	Letter     struct {
		Language string   `json:"language"`
		Lines    []string `json:"lines"`
	} `json:"letter"`
}

func TestLetterCodes(t *testing.T) {
	e := newKioskEnv(t)
	_, officer := e.staff(t, "officer@plymouth.example", auth.RoleStaff, "housing")
	adaID, ada := e.signUp(t, "ada@example.org", "Ada Lovelace")
	_, device := e.terminal(t, "Central Library", kiosk.ProfileSelfService)
	ptr := func(s string) *string { return &s }

	e.run(t, []apiCase{
		{name: "residents may not", method: "POST", path: "/api/v1/staff/kiosk/letters", token: ada, body: `{"name": "Mary Jones"}`, status: 403, slug: "forbidden"},
		{name: "no name", method: "POST", path: "/api/v1/staff/kiosk/letters", token: officer, body: `{}`, status: 400, slug: "validation", pointer: ptr("/name")},
		{name: "unknown language", method: "POST", path: "/api/v1/staff/kiosk/letters", token: officer, body: `{"name": "Mary", "language": "fr"}`,
			status: 400, slug: "validation", pointer: ptr("/language")},
		{name: "an account with an email", method: "POST", path: "/api/v1/staff/kiosk/letters", token: officer, body: `{"resident_id": "` + adaID + `"}`,
			status: 400, slug: "validation", pointer: ptr("/resident_id")},
		{name: "both", method: "POST", path: "/api/v1/staff/kiosk/letters", token: officer, body: `{"resident_id": "x", "name": "Mary"}`,
			status: 400, slug: "validation", pointer: ptr("/resident_id")},
		{name: "claim nonsense", method: "POST", path: "/api/v1/auth/letter", body: `{"code": "nope"}`, status: 400, slug: "validation", pointer: ptr("/code")},
	})

	// A letter for Mary, in Welsh; she claims it on her own computer.
	l := mustJSON[letterJSON](t, e.call(t, "POST", "/api/v1/staff/kiosk/letters", officer, `{"name": "Mary Jones", "language": "cy"}`), 201)
	if l.ResidentID == "" || len(l.Code) != 14 || l.Letter.Language != "cy" || len(l.Letter.Lines) != 6 ||
		l.Letter.Lines[0] != "Annwyl Mary Jones," || l.Letter.Lines[3] != l.Code || !strings.Contains(l.Letter.Lines[4], l.ExpiresAt.Format(time.DateOnly)) {
		t.Fatalf("letter %+v", l)
	}
	r := e.call(t, "POST", "/api/v1/auth/letter", "", `{"code": "`+strings.ToLower(strings.ReplaceAll(l.Code, "-", " "))+`"}`)
	s := mustSession(t, r)
	if cl := e.claims(t, s.access); cl.ID != l.ResidentID || cl.Channel != auth.ChannelWeb {
		t.Errorf("claims %+v", cl.Subject)
	}
	me := e.call(t, "GET", "/api/v1/me", s.access, "")
	if me.status != 200 || !strings.Contains(me.String(), "Mary Jones") {
		t.Errorf("her record: %s", me)
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/letter", "", `{"code": "`+l.Code+`"}`), 400, "validation")

	// She lost her session; staff print another letter, claimed at a terminal.
	l2 := mustJSON[letterJSON](t, e.call(t, "POST", "/api/v1/staff/kiosk/letters", officer, `{"resident_id": "`+l.ResidentID+`"}`), 201)
	if l2.ResidentID != l.ResidentID || l2.Code == l.Code || l2.Letter.Lines[0] != "Annwyl Mary Jones," {
		t.Errorf("a second letter %+v", l2)
	}
	sess := e.startSession(t, device)
	signed := mustJSON[kioskTokenJSON](t, e.call(t, "POST", "/api/v1/auth/letter", sess.AccessToken, `{"code": "`+l2.Code+`"}`), 200)
	cl := e.claims(t, signed.AccessToken)
	if !signed.SignedIn || cl.ID != l.ResidentID || cl.SessionID != sess.SessionID || cl.Channel != auth.ChannelKiosk {
		t.Errorf("signed in at the terminal: %+v %+v", signed, cl.Subject)
	}
	// A signed-in session takes no second letter, and the code is not spent.
	l3 := mustJSON[letterJSON](t, e.call(t, "POST", "/api/v1/staff/kiosk/letters", officer, `{"name": "Tom Evans"}`), 201)
	mustProblem(t, e.call(t, "POST", "/api/v1/auth/letter", signed.AccessToken, `{"code": "`+l3.Code+`"}`), 409, "kiosk-signed-in")
	if r := e.call(t, "POST", "/api/v1/auth/letter", "", `{"code": "`+l3.Code+`"}`); r.status != 200 {
		t.Errorf("Tom's code after the refusal: %s", r)
	}
}
