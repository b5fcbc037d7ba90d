package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/push/pushtest"
)

// pushEnv is the whole server sending Web Push to a local push service that
// checks VAPID and decrypts every message as the browser would.
type pushEnv struct {
	*casesEnv
	ps *pushtest.Server
}

func newPushEnv(t *testing.T) *pushEnv {
	pe := &pushEnv{}
	pe.ps = pushtest.NewServer(t, "mailto:digital@plymouth.example", func() string { return pe.push.PublicKey() })
	pe.casesEnv = newCasesEnvWith(t, pe.ps.Client())
	t.Cleanup(func() {
		if p := pe.ps.Problems(); len(p) > 0 {
			t.Errorf("the push service saw problems: %v", p)
		}
	})
	return pe
}

// welshResident signs up a resident who reads Welsh and returns their token.
func (e *pushEnv) welshResident(t *testing.T, email string) string {
	t.Helper()
	ctx := context.Background()
	if err := e.auth.Register(ctx, auth.RegisterInput{Email: email, Password: "plum-otter-47-lantern", Name: "Nia", Language: "cy", IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.auth.Verify(ctx, auth.Contact{Email: email}, e.code(t, email)); err != nil {
		t.Fatal(err)
	}
	g, err := e.auth.Login(ctx, auth.LoginInput{Email: email, Password: "plum-otter-47-lantern", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return g.AccessToken
}

func (e *pushEnv) next(t *testing.T, within time.Duration) pushtest.Delivery {
	t.Helper()
	d, ok := e.ps.Next(within)
	if !ok {
		t.Fatalf("no push arrived within %v (problems: %v)", within, e.ps.Problems())
	}
	return d
}

// TestCaseUpdateReachesTheBrowser is issue 5's "done means": a staff update
// reaches the resident's subscribed browser as a decryptable push within a
// second, in the resident's language; a device without an account that
// follows the case by reference gets it too.
func TestCaseUpdateReachesTheBrowser(t *testing.T) {
	e := newPushEnv(t)
	key := mustJSON[map[string]string](t, e.call(t, "GET", "/api/v1/push/key", "", ""), 200)
	if len(key["public_key"]) != 87 {
		t.Fatalf("public key %q", key["public_key"])
	}
	token := e.welshResident(t, "nia@example.org")
	phone := e.ps.NewDevice("nia-phone")
	mustJSON[map[string]string](t, e.call(t, "POST", "/api/v1/push/subscriptions", token, phone.JSON()), 201)
	mustProblem(t, e.call(t, "POST", "/api/v1/push/subscriptions", "", phone.JSON()), 401, "unauthorized")

	body := fmt.Sprintf(`{"items": [{"service": "graffiti", "answers": {"location": %s, "surface": "wall", "offensive": true}}]}`, pointJSON(theHoe))
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", token, body), 201)
	received := e.next(t, 15*time.Second)
	if received.Device != "nia-phone" || !strings.Contains(received.Data.Title, created.Reference) || received.Data.URL != "/cases/"+created.Reference {
		t.Fatalf("the first push: %+v", received.Data)
	}

	// A neighbour without an account follows the same case on their phone.
	other := e.ps.NewDevice("neighbour")
	sub := strings.TrimSuffix(other.JSON(), "}") + fmt.Sprintf(`, "reference": %q, "email": "wrong@example.org"}`, created.Reference)
	mustProblem(t, e.call(t, "POST", "/api/v1/push/subscriptions", "", sub), 404, "not-found")
	_, staffToken := e.staff(t, "sue@plymouth.example", auth.RoleStaff, "street-scene")
	own := strings.TrimSuffix(other.JSON(), "}") + fmt.Sprintf(`, "reference": %q, "email": "nia@example.org"}`, created.Reference)
	mustProblem(t, e.call(t, "POST", "/api/v1/push/subscriptions", "", own), 404, "not-found") // Nia's account, not a contact: tracked by signing in

	start := time.Now()
	r := e.call(t, "POST", "/api/v1/staff/cases/"+created.Reference+"/updates", staffToken, `{"text": "We will clean the wall on Friday.", "public": true}`)
	if r.status != 200 {
		t.Fatal(r)
	}
	update := e.next(t, 15*time.Second)
	took := update.At.Sub(start)
	t.Logf("staff action to decrypted push: %v", took)
	if took > time.Second {
		t.Errorf("the update took %v to reach the browser", took)
	}
	if update.Data.Body != "We will clean the wall on Friday." || !strings.HasPrefix(update.Data.Title, "Diweddariad") {
		t.Errorf("the update push (want Welsh): %+v", update.Data)
	}
	if update.Header.Get("Urgency") != "normal" || update.Header.Get("TTL") == "" || update.Header.Get("Topic") == "" {
		t.Errorf("push headers %v", update.Header)
	}

	// Someone without an account follows their own report on their phone.
	anon := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", "", strings.Replace(body, `]}`,
		`], "contact": {"email": "sam@example.org"}}`, 1)), 201)
	withProof := strings.TrimSuffix(other.JSON(), "}") + fmt.Sprintf(`, "reference": %q, "email": "sam@example.org"}`, anon.Reference)
	mustJSON[map[string]string](t, e.call(t, "POST", "/api/v1/push/subscriptions", "", withProof), 201)
	e.call(t, "POST", "/api/v1/staff/cases/"+anon.Reference+"/updates", staffToken, `{"text": "Cleaned today.", "public": true}`)
	got := e.next(t, 15*time.Second)
	if got.Data.Body != "Cleaned today." { // the acknowledgement may come first
		got = e.next(t, 15*time.Second)
	}
	if got.Device != "neighbour" || got.Data.Body != "Cleaned today." || got.Data.URL != "/track?ref="+anon.Reference {
		t.Errorf("the case follower's push: %s %+v", got.Device, got.Data)
	}
}

// TestPushFallsBackToEmail: a device whose subscription is gone (410) is
// removed and the resident gets the email instead; with no device left,
// later news goes straight to email.
func TestPushFallsBackToEmail(t *testing.T) {
	e := newPushEnv(t)
	_, token := e.signUp(t, "ada@example.org", "Ada")
	mustJSON[map[string]any](t, e.call(t, "PUT", "/api/v1/me/notifications", token,
		`{"topics": {"case_updates": ["push"], "tell_us_once": ["push"], "collection_reminders": [], "service_alerts": []}, "areas": []}`), 200)
	phone := e.ps.NewDevice("ada-phone")
	phone.Reply(pushtest.Reply{Status: http.StatusGone})
	mustJSON[map[string]string](t, e.call(t, "POST", "/api/v1/push/subscriptions", token, phone.JSON()), 201)
	body := fmt.Sprintf(`{"items": [{"service": "graffiti", "answers": {"location": %s, "surface": "wall", "offensive": false}}]}`, pointJSON(theHoe))
	created := mustJSON[caseJSON](t, e.call(t, "POST", "/api/v1/cases", token, body), 201)

	emailAbout := func(ref string) int {
		return len(slices.DeleteFunc(e.dev.Messages("ada@example.org"), func(m auth.Message) bool { return !strings.Contains(m.Subject, ref) }))
	}
	deadline := time.Now().Add(15 * time.Second)
	for emailAbout(created.Reference) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no email after the push bounced: %+v", e.dev.Messages("ada@example.org"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if phone.Posts() != 1 {
		t.Errorf("the gone device was tried %d times", phone.Posts())
	}
	_, staffToken := e.staff(t, "sue@plymouth.example", auth.RoleStaff, "street-scene")
	e.call(t, "POST", "/api/v1/staff/cases/"+created.Reference+"/updates", staffToken, `{"text": "Booked.", "public": true}`)
	for emailAbout(created.Reference) < 2 {
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatalf("the second update did not come by email: %+v", e.dev.Messages("ada@example.org"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if phone.Posts() != 1 {
		t.Errorf("a removed subscription was pushed to again (%d posts)", phone.Posts())
	}
}

// TestNotificationSettingsAndAlerts: residents choose channels per topic
// and the areas they follow; a supervisor's alert to an area reaches the
// residents following it, and nobody else.
func TestNotificationSettingsAndAlerts(t *testing.T) {
	e := newPushEnv(t)
	_, ada := e.signUp(t, "ada@example.org", "Ada")
	_, bob := e.signUp(t, "bob@example.org", "Bob")
	defaults := mustJSON[map[string]any](t, e.call(t, "GET", "/api/v1/me/notifications", ada, ""), 200)
	if fmt.Sprint(defaults["topics"].(map[string]any)["case_updates"]) != "[push email]" {
		t.Errorf("defaults %v", defaults)
	}
	p := mustProblem(t, e.call(t, "PUT", "/api/v1/me/notifications", ada, `{"topics": {"case_updates": ["pigeon"]}, "areas": ["PL4"]}`), 400, "validation")
	if len(p.Errors) == 0 {
		t.Errorf("no field errors: %+v", p)
	}
	follow := `{"topics": {"case_updates": ["email"], "tell_us_once": ["email"], "collection_reminders": ["push"], "service_alerts": ["push"]}, "areas": ["pl4"]}`
	saved := mustJSON[map[string]any](t, e.call(t, "PUT", "/api/v1/me/notifications", ada, follow), 200)
	if fmt.Sprint(saved["areas"]) != "[PL4]" {
		t.Errorf("saved %v", saved)
	}
	mustJSON[map[string]any](t, e.call(t, "PUT", "/api/v1/me/notifications", bob, strings.Replace(follow, "pl4", "PL1", 1)), 200)
	adaPhone, bobPhone := e.ps.NewDevice("ada"), e.ps.NewDevice("bob")
	mustJSON[map[string]string](t, e.call(t, "POST", "/api/v1/push/subscriptions", ada, adaPhone.JSON()), 201)
	mustJSON[map[string]string](t, e.call(t, "POST", "/api/v1/push/subscriptions", bob, bobPhone.JSON()), 201)

	_, staffToken := e.staff(t, "sue@plymouth.example", auth.RoleStaff, "waste")
	_, boss := e.staff(t, "boss@plymouth.example", auth.RoleSupervisor)
	alert := `{"topic": "service_alerts", "area": "PL4", "title": "Collections a day late", "body": "Bins in PL4 will be collected tomorrow."}`
	mustProblem(t, e.call(t, "POST", "/api/v1/staff/alerts", staffToken, alert), 403, "forbidden")
	mustProblem(t, e.call(t, "POST", "/api/v1/staff/alerts", boss, `{"topic": "gossip", "area": "PL4", "title": "x", "body": "y"}`), 400, "validation")
	st := mustJSON[map[string]any](t, e.call(t, "POST", "/api/v1/staff/alerts", boss, alert), 202)
	got := e.next(t, 15*time.Second)
	if got.Device != "ada" || got.Data.Title == "" || !strings.Contains(got.Data.Body+got.Data.Title, "PL4") && !strings.Contains(got.Data.Body, "tomorrow") {
		t.Fatalf("alert push %+v", got)
	}
	if extra, ok := e.ps.Next(300 * time.Millisecond); ok {
		t.Errorf("someone outside PL4 got the alert: %+v", extra)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := mustJSON[map[string]any](t, e.call(t, "GET", "/api/v1/staff/alerts/"+st["id"].(string), boss, ""), 200)
		if s["done"] == true && s["recipients"] == 1.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alert status %v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
