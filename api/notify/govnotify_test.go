package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	notifyService = "26785a09-ab16-4eb0-8407-a37497a57506"
	notifySecret  = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	notifyKey     = "frontdoor-test-key-" + notifyService + "-" + notifySecret
	emailTemplate = "217a419e-6a7d-482a-9596-718b889dffce"
	smsTemplate   = "df10a23e-2c6d-4ea5-87fb-82e520cbf93a"
)

// notifyAPI is a local GOV.UK Notify: it checks the bearer JWT (HS256 with
// the secret key, iss the service id, iat within 30 s) and the JSON body,
// and answers from a script (201 once it runs out).
type notifyAPI struct {
	*httptest.Server
	t      *testing.T
	mu     sync.Mutex
	script []int
	calls  []notifyCall
}

// notifyCall is one accepted request.
type notifyCall struct {
	Path string
	Body map[string]any
	At   time.Time
}

func newNotifyAPI(t *testing.T, script ...int) *notifyAPI {
	api := &notifyAPI{t: t, script: script}
	api.Server = httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(api.Close)
	return api
}

func (a *notifyAPI) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := checkNotifyToken(r.Header.Get("Authorization")); err != nil {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"status_code":403,"errors":[{"error":"AuthError","message":%q}]}`, err.Error())
		return
	}
	body, err := checkNotifyBody(r)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"status_code":400,"errors":[{"error":"BadRequestError","message":%q}]}`, err.Error())
		a.t.Errorf("bad request: %v", err)
		return
	}
	a.mu.Lock()
	a.calls = append(a.calls, notifyCall{Path: r.URL.Path, Body: body, At: time.Now()})
	code := http.StatusCreated
	if len(a.script) > 0 {
		code, a.script = a.script[0], a.script[1:]
	}
	a.mu.Unlock()
	if code == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(code)
	if code >= 400 {
		fmt.Fprintf(w, `{"status_code":%d,"errors":[{"error":"ScriptedError","message":"for %s"}]}`, code, body["email_address"])
		return
	}
	fmt.Fprint(w, `{"id":"740e5834-3a29-46b4-9a6f-16142fde533a","content":{}}`)
}

func checkNotifyToken(h string) error {
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return errors.New("no bearer token")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(notifySecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(notifyService), jwt.WithIssuedAt())
	if err != nil {
		return err
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil || time.Since(iat.Time).Abs() > 30*time.Second {
		return errors.New("iat missing or more than 30 seconds out")
	}
	return nil
}

func checkNotifyBody(r *http.Request) (map[string]any, error) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		return nil, errors.New("want a JSON POST")
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return nil, err
	}
	p, _ := body["personalisation"].(map[string]any)
	switch r.URL.Path {
	case "/v2/notifications/email":
		if body["template_id"] != emailTemplate || body["email_address"] == nil || p["subject"] == nil || p["body"] == nil {
			return nil, errors.New("email needs email_address, template_id and personalisation subject and body")
		}
	case "/v2/notifications/sms":
		if body["template_id"] != smsTemplate || body["phone_number"] == nil || p["body"] == nil {
			return nil, errors.New("sms needs phone_number, template_id and personalisation body")
		}
	default:
		return nil, errors.New("unknown path " + r.URL.Path)
	}
	return body, nil
}

func (a *notifyAPI) callCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

func newTestGovNotify(t *testing.T, baseURL, key string) *GovNotify {
	t.Helper()
	g, err := NewGovNotify(GovNotify{BaseURL: baseURL, APIKey: key, EmailTemplateID: emailTemplate, SMSTemplateID: smsTemplate})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGovNotifySendsEmailAndSMS(t *testing.T) {
	api := newNotifyAPI(t)
	g := newTestGovNotify(t, api.URL+"/", notifyKey)
	if err := g.SendEmail(ctx, "Resident@Example.com", "Eich cais", "Corff y neges\nail linell"); err != nil {
		t.Fatal(err)
	}
	if err := g.SendSMS(ctx, "07700 900123", "Neges fer"); err != nil {
		t.Fatal(err)
	}
	if len(api.calls) != 2 {
		t.Fatalf("%d calls", len(api.calls))
	}
	email, sms := api.calls[0].Body, api.calls[1].Body
	p := email["personalisation"].(map[string]any)
	if email["email_address"] != "resident@example.com" || p["subject"] != "Eich cais" || p["body"] != "Corff y neges\nail linell" {
		t.Errorf("email request %v", email)
	}
	if sms["phone_number"] != "+447700900123" || sms["personalisation"].(map[string]any)["body"] != "Neges fer" {
		t.Errorf("sms request %v", sms)
	}
	// A key with another secret is refused by the server: the check is real.
	wrong := newTestGovNotify(t, api.URL, "frontdoor-test-key-"+notifyService+"-00000000-0000-4000-8000-000000000000")
	if err := wrong.SendSMS(ctx, "07700 900123", "x"); err == nil || !strings.Contains(err.Error(), "HTTP 403 AuthError") {
		t.Errorf("wrong secret: %v, want a 403", err)
	}
}

func TestGovNotifyConfiguration(t *testing.T) {
	bad := map[string]GovNotify{
		"key without a name":    {APIKey: "-" + notifyService + "-" + notifySecret},
		"key too short":         {APIKey: notifyService},
		"secret not a uuid":     {APIKey: "name-" + notifyService + "-3d844edf-8d35-48ac-975b-e847b4f122bZ"},
		"service not separated": {APIKey: "name-" + notifyService + "x" + notifySecret},
		"http to a remote host": {APIKey: notifyKey, BaseURL: "http://api.notifications.service.gov.uk"},
		"no template":           {APIKey: notifyKey, EmailTemplateID: "", SMSTemplateID: ""},
		"template not a uuid":   {APIKey: notifyKey, EmailTemplateID: "welcome"},
	}
	for name, cfg := range bad {
		if name != "no template" && cfg.EmailTemplateID == "" {
			cfg.EmailTemplateID = emailTemplate
		}
		_, err := NewGovNotify(cfg)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), notifySecret) || strings.Contains(err.Error(), "3d844edf") {
			t.Errorf("%s: error shows the secret: %v", name, err)
		}
	}
	g, err := NewGovNotify(GovNotify{APIKey: " my-key-with-hyphens-" + notifyService + "-" + notifySecret + "\n", SMSTemplateID: smsTemplate})
	if err != nil || g.serviceID != notifyService || g.secret != notifySecret || g.BaseURL != DefaultGovNotifyURL {
		t.Fatalf("hyphenated key name: %+v, %v", g, err)
	}
	if err := g.SendEmail(ctx, "a@example.com", "s", "b"); !errors.Is(err, ErrNoChannel) {
		t.Errorf("email without an email template: %v", err)
	}
}

// TestGovNotifyAnswersThroughOutbox: 400 is permanent (one attempt, dead);
// 429 and 500 are retried until Notify accepts.
func TestGovNotifyAnswersThroughOutbox(t *testing.T) {
	for _, tt := range []struct {
		script   []int
		calls    int
		dead     bool
		attempts int
	}{
		{[]int{400}, 1, true, 1},
		{[]int{429, 500, 503}, 4, false, 4},
	} {
		api := newNotifyAPI(t, tt.script...)
		g := newTestGovNotify(t, api.URL, notifyKey)
		e := newEnv(t, envConfig{edit: func(o *Options) { o.Email, o.SMS = g, g }})
		ev := caseEvent("gn", "")
		ev.To = Recipient{Phone: "07700 900123"}
		mustNotify(t, e.svc, ev)
		e.idle(t)
		if n := api.callCount(); n != tt.calls {
			t.Errorf("script %v: %d requests, want %d", tt.script, n, tt.calls)
		}
		dead, err := e.ob.Dead(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := len(dead.Items) == 1; got != tt.dead {
			t.Fatalf("script %v: dead jobs %+v", tt.script, dead.Items)
		}
		if !tt.dead {
			if wait := api.calls[1].At.Sub(api.calls[0].At); wait < time.Second {
				t.Errorf("retry %v after a 429 with Retry-After: 1", wait)
			}
		}
		if tt.dead {
			j := dead.Items[0]
			if j.Attempts != tt.attempts || !strings.Contains(j.LastError, "HTTP 400 ScriptedError") || strings.Contains(j.LastError, "7700") {
				t.Errorf("dead job: %d attempts, error %q", j.Attempts, j.LastError)
			}
		}
	}
}
