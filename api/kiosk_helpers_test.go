package api

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/api/catalogue"
	"frontdoor/api/open311"
	"frontdoor/kiosk"
	"frontdoor/locales"
)

// kioskEnv is the whole server as cmd wires it with the kiosk profile: the
// kiosk service before the tokens that ask it about kiosk sessions, the
// default catalogue, cases, accounts and notifications. The kiosk's clock is
// the test's to move (idle timeouts, hand-off expiry); everything else runs
// on real time.
type kioskEnv struct {
	*casesEnv
	kiosk *kiosk.Service
	clock *kioskClock
}

type kioskClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *kioskClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *kioskClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newKioskEnv(tb testing.TB) *kioskEnv {
	tb.Helper()
	ke := &kioskEnv{casesEnv: &casesEnv{}, clock: &kioskClock{now: time.Now().UTC().Truncate(time.Millisecond)}}
	ce := ke.casesEnv
	ce.acctEnv = newAcctEnvWith(tb, acctOutbox, func(e *acctEnv, d *Deps) {
		ctx := context.Background()
		var err error
		if ke.kiosk, err = kiosk.New(ctx, e.db, kiosk.Options{Now: ke.clock.Now}); err != nil {
			tb.Fatal(err)
		}
		// Tokens that ask the kiosk about kiosk sessions, and sign-in on them.
		if e.tokens, err = auth.NewTokens(ctx, e.db, auth.TokenOptions{Issuer: "http://frontdoor.test",
			Audience: "http://frontdoor.test/api", SessionSources: []auth.SessionSource{ke.kiosk.SessionSource()}}); err != nil {
			tb.Fatal(err)
		}
		hasher, err := auth.NewHasher(auth.HasherOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		localize := func(lang, id string, data map[string]any) string { return locales.Localize(d.Bundle, lang, id, data) }
		if e.auth, err = auth.NewService(ctx, e.db, auth.ServiceOptions{Hasher: hasher, Guard: e.guard, Tokens: e.tokens,
			Notifier: e.dev, Localize: localize}); err != nil {
			tb.Fatal(err)
		}
		d.Auth, d.Tokens, d.Kiosk = e.auth, e.tokens, ke.kiosk
		// The catalogue, cases and notifications, as newCasesEnvWith builds them.
		if ce.cat, err = catalogue.New(ctx, e.db, catalogue.Options{}); err != nil {
			tb.Fatal(err)
		}
		teams, svcs := catalogue.Defaults(func(lang, id string) string { return locales.Localize(d.Bundle, lang, id, nil) },
			[]string{"en", "cy", "pl", "ar"})
		if err := ce.cat.Seed(ctx, teams, svcs); err != nil {
			tb.Fatal(err)
		}
		ce.buildNotify(tb, e, nil, localize)
		if ce.cases, err = cases.New(ctx, e.db, e.ob, ce.cat, cases.Options{Area: catalogue.Plymouth, Tell: ce.notify, Push: ce.push,
			Localize: localize, BaseURL: "http://frontdoor.test"}); err != nil {
			tb.Fatal(err)
		}
		if ce.clients, err = open311.NewClients(ctx, e.db, nil); err != nil {
			tb.Fatal(err)
		}
		d.Catalogue, d.Cases, d.Open311, d.Push, d.Notify = ce.cat, ce.cases, ce.clients, ce.push, ce.notify
		d.Gazetteer = catalogue.DemoGazetteer()
	})
	return ke
}

func deviceAuth(token string) []string { return []string{"Authorization", "Device " + token} }

// locationJSON is a location as the enrolment takes it.
func locationJSON(kind, name string, idle int, printer bool) string {
	return fmt.Sprintf(`{"kind": %q, "name": %q, "address": "125 Armada Way, Plymouth PL1 1HZ", "idle_timeout_seconds": %d, "printer": %t}`,
		kind, name, idle, printer)
}

type enrolJSON struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

type deviceJSON struct {
	DeviceID    string `json:"device_id"`
	DeviceToken string `json:"device_token"`
}

// terminal enrols (as a fresh supervisor) and registers a terminal at
// location name with profile, and returns its id and credential.
func (ke *kioskEnv) terminal(tb testing.TB, name string, profile kiosk.Profile) (string, string) {
	tb.Helper()
	_, sup := ke.staff(tb, fmt.Sprintf("sup-%d@plymouth.example", time.Now().UnixNano()), auth.RoleSupervisor)
	kind := "library"
	if profile == kiosk.ProfileAssisted {
		kind = "hub"
	}
	body := fmt.Sprintf(`{"location": %s, "profile": %q}`, locationJSON(kind, name, 120, true), profile)
	code := mustJSON[enrolJSON](tb, ke.call(tb, "POST", "/api/v1/kiosk/enrolments", sup, body), 201).Code
	d := mustJSON[deviceJSON](tb, ke.call(tb, "POST", "/api/v1/kiosk/devices", "", `{"code": "`+code+`"}`), 201)
	return d.DeviceID, d.DeviceToken
}

// kioskTokenJSON is a kiosk session's token as the API answers it.
type kioskTokenJSON struct {
	SessionID   string    `json:"session_id"`
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
	IdleAt      time.Time `json:"idle_at"`
	Channel     string    `json:"channel"`
	SignedIn    bool      `json:"signed_in"`
}

// startSession starts a session on the terminal with credential device.
func (ke *kioskEnv) startSession(tb testing.TB, device string) kioskTokenJSON {
	tb.Helper()
	return mustJSON[kioskTokenJSON](tb, ke.call(tb, "POST", "/api/v1/kiosk/sessions", "", "", deviceAuth(device)...), 201)
}

// claims verifies a token as the server does.
func (ke *kioskEnv) claims(tb testing.TB, token string) *auth.Claims {
	tb.Helper()
	cl, err := ke.tokens.Verify(context.Background(), token)
	if err != nil {
		tb.Fatalf("verify: %v", err)
	}
	return cl
}

// refused checks that a token is refused as a session that has ended.
func (ke *kioskEnv) refused(tb testing.TB, token string) {
	tb.Helper()
	for _, path := range []string{"/api/v1/cases", "/api/v1/kiosk/sessions/any/touch"} {
		method := "GET"
		if strings.HasSuffix(path, "touch") {
			method = "POST"
		}
		r := ke.call(tb, method, path, token, "")
		mustProblem(tb, r, 401, "invalid-token")
	}
}

// potholeCase is a new pothole report (a service anyone may report) as JSON,
// with a contact when email is not "".
func potholeCase(email string) string {
	body := `{"items": [{"service": "pothole", "answers": {"location": ` + pointJSON(theHoe) +
		`, "surface": "road", "size": "large", "dangerous": true, "details": "A deep pothole"}}]`
	if email != "" {
		body += `, "contact": {"email": "` + email + `"}`
	}
	return body + `}`
}

// sseMsg is one event of a stream, or a comment (name ":").
type sseMsg struct {
	name, data string
}

// eventStream reads a Server-Sent Events stream with a real HTTP client.
type eventStream struct {
	res  *http.Response
	msgs chan sseMsg
}

var streamClient = &http.Client{} // no timeout: the body stays open

func (ke *kioskEnv) openStream(tb testing.TB, sessionID, token string) *eventStream {
	tb.Helper()
	req, err := http.NewRequest("GET", ke.url+"/api/v1/kiosk/sessions/"+sessionID+"/stream", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip, deflate, br") // as browsers send: the stream must still come plain
	res, err := streamClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if res.StatusCode != 200 {
		res.Body.Close()
		tb.Fatalf("stream: status %d", res.StatusCode)
	}
	es := &eventStream{res: res, msgs: make(chan sseMsg, 100)}
	tb.Cleanup(func() { res.Body.Close() })
	go func() {
		defer close(es.msgs)
		sc := bufio.NewScanner(res.Body)
		var m sseMsg
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.name != "" {
					es.msgs <- m
				}
				m = sseMsg{}
			case strings.HasPrefix(line, ":"):
				es.msgs <- sseMsg{name: ":", data: strings.TrimSpace(line[1:])}
			case strings.HasPrefix(line, "event: "):
				m.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				m.data = line[len("data: "):]
			}
		}
	}()
	return es
}

// next waits for the next event called name, skipping others (and
// comments, unless name is ":"); it fails the test after 5 s or when the
// stream closes first.
func (es *eventStream) next(tb testing.TB, name string) sseMsg {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-es.msgs:
			if !ok {
				tb.Fatalf("the stream closed before a %q event", name)
			}
			if m.name == name {
				return m
			}
		case <-deadline:
			tb.Fatalf("no %q event within 5s", name)
		}
	}
}

// closed waits for the stream to end.
func (es *eventStream) closed(tb testing.TB) {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-es.msgs:
			if !ok {
				return
			}
		case <-deadline:
			tb.Fatal("the stream is still open after 5s")
		}
	}
}
