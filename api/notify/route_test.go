package notify

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"frontdoor/api/auth"
)

const (
	pushOnly  = "push-only"
	pushEmail = "push-email"
	noDevice  = "no-device"
	unverif   = "unverified"
)

// routingEnv has residents with verified contacts unless named otherwise.
func routingEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, envConfig{})
	for _, id := range []string{pushOnly, pushEmail, noDevice} {
		e.users.add(id, auth.User{Email: id + "@example.com", EmailVerified: true, Phone: "+447700900001", PhoneVerified: true})
	}
	e.users.add(unverif, auth.User{Email: unverif + "@example.com", Phone: "+447700900002", PhoneVerified: true})
	e.push.setDevices(pushOnly, 2)
	e.push.setDevices(pushEmail, 1)
	mustSetPrefs(t, e.svc, pushOnly, topics(nil, TopicCaseUpdates, []Channel{ChannelPush}))
	mustSetPrefs(t, e.svc, noDevice, topics(nil, TopicCaseUpdates, []Channel{ChannelPush}))
	mustSetPrefs(t, e.svc, pushEmail, topics(nil, TopicCaseUpdates, []Channel{ChannelPush, ChannelEmail}))
	return e
}

func TestRouting(t *testing.T) {
	e := routingEnv(t)
	for _, id := range []string{pushOnly, pushEmail, noDevice} {
		mustNotify(t, e.svc, caseEvent("ev-1-"+id, id))
	}
	e.idle(t)

	// Push chosen, working devices: push only, one message per device.
	if got := e.push.pushes(t, pushOnly); len(got) != 2 || got[0].Ref != "ev-1-"+pushOnly || got[0].Kind != KindCaseUpdate {
		t.Errorf("push-only resident: pushes %+v, want 2 with the event's key as Ref", got)
	} else if got[0].Title != "Update on your request K7M-Q2X-9PT" || got[0].Body != "Our crew will come back tomorrow." ||
		got[0].Tag != "case:K7M-Q2X-9PT" || got[0].URL != "https://frontdoor.example.gov.uk/track?ref=K7M-Q2X-9PT" {
		t.Errorf("push message %+v", got[0])
	}
	if got := e.sent.to(pushOnly + "@example.com"); len(got) != 0 {
		t.Errorf("push-only resident with a working device got email too: %+v", got)
	}
	// Push chosen, no working device: the email instead.
	if got := e.push.pushes(t, noDevice); len(got) != 0 {
		t.Errorf("resident without devices got pushes: %+v", got)
	}
	if got := e.sent.to(noDevice + "@example.com"); len(got) != 1 || got[0].Subject != "Update on your request K7M-Q2X-9PT" {
		t.Errorf("resident without a working device: email %+v, want one instead of push", got)
	}
	// Push and email chosen: both.
	if len(e.push.pushes(t, pushEmail)) != 1 || len(e.sent.to(pushEmail+"@example.com")) != 1 {
		t.Errorf("push+email resident: %d pushes, %d emails; want 1 and 1",
			len(e.push.pushes(t, pushEmail)), len(e.sent.to(pushEmail+"@example.com")))
	}
	if n := len(e.sent.to("+447700900001")); n != 0 {
		t.Errorf("%d SMS sent to residents who did not choose SMS", n)
	}
}

func TestUnverifiedEmailIsNotUsed(t *testing.T) {
	e := routingEnv(t)
	mustSetPrefs(t, e.svc, unverif, topics(nil, TopicCaseUpdates, []Channel{ChannelEmail}, TopicTellUsOnce, []Channel{ChannelPush}))
	mustNotify(t, e.svc, caseEvent("ev-email", unverif))
	e.idle(t)
	if n := e.sent.count(); n != 0 {
		t.Fatalf("email chosen but unverified: %d messages sent, want none", n)
	}
	// Push chosen, no device, email unverified: the verified phone instead.
	mustNotify(t, e.svc, Event{Key: "ev-tuo", Kind: KindTUODone, To: Recipient{Resident: unverif}, URL: "https://x.example/c"})
	e.idle(t)
	if got := e.sent.to("+447700900002"); len(got) != 1 || got[0].Channel != ChannelSMS ||
		!strings.Contains(got[0].Body, "every service you linked") {
		t.Errorf("fallback with an unverified email: %+v, want one SMS to the verified phone", got)
	}
	if got := e.sent.to(unverif + "@example.com"); len(got) != 0 {
		t.Errorf("unverified email used: %+v", got)
	}
}

func TestBareContactRecipients(t *testing.T) {
	e := newEnv(t, envConfig{})
	ev := caseEvent("bare-1", "")
	ev.To = Recipient{Email: " Someone@Example.COM ", Phone: "07700 900123"}
	mustNotify(t, e.svc, ev)
	ev = caseEvent("bare-2", "")
	ev.To = Recipient{Phone: "07700 900123", Language: "cy"}
	mustNotify(t, e.svc, ev)
	e.idle(t)
	email := e.sent.to("someone@example.com")
	if len(email) != 1 || !strings.Contains(email[0].Body, "because you gave us this contact detail") {
		t.Errorf("bare email recipient: %+v, want one email with the contact footer", email)
	}
	sms := e.sent.to("+447700900123")
	if len(sms) != 1 || sms[0].Channel != ChannelSMS || !strings.HasPrefix(sms[0].Body, "Diweddariad ar eich cais K7M-Q2X-9PT") {
		t.Errorf("bare phone recipient: %+v, want one Welsh SMS (email given wins over phone)", sms)
	}
}

func TestPreferencesPerTopic(t *testing.T) {
	e := routingEnv(t)
	// pushEmail chose nothing for Tell Us Once.
	mustNotify(t, e.svc, Event{Key: "tuo-1", Kind: KindTUOFailed, To: Recipient{Resident: pushEmail},
		Data: map[string]any{"Count": 2}, URL: "https://x.example/c"})
	// Topic given explicitly wins over the kind's usual one.
	ev := caseEvent("case-as-tuo", pushEmail)
	ev.Topic = TopicTellUsOnce
	mustNotify(t, e.svc, ev)
	e.idle(t)
	if n := len(e.push.pushes(t, pushEmail)) + e.sent.count(); n != 0 {
		t.Fatalf("topic turned off: %d messages, want none", n)
	}
	mustSetPrefs(t, e.svc, pushEmail, topics(nil, TopicTellUsOnce, []Channel{ChannelEmail}))
	mustNotify(t, e.svc, Event{Key: "tuo-2", Kind: KindTUOFailed, To: Recipient{Resident: pushEmail},
		Data: map[string]any{"Count": 2}, URL: "https://x.example/c"})
	e.idle(t)
	got := e.sent.to(pushEmail + "@example.com")
	if len(got) != 1 || !strings.Contains(got[0].Body, "We could not tell 2 services") || len(e.push.pushes(t, pushEmail)) != 0 {
		t.Errorf("Tell Us Once by email only: emails %+v, pushes %d", got, len(e.push.pushes(t, pushEmail)))
	}
}

func TestLanguageChoice(t *testing.T) {
	e := newEnv(t, envConfig{})
	tests := []struct {
		account, given, want string
	}{
		{"cy", "", "Diweddariad ar eich cais"},
		{"", "pl", "Nowe informacje o zgłoszeniu"},
		{"ar", "pl", "مستجدات بشأن طلبك"},
		{"", "", "Update on your request"},
		{"xx", "yy", "Update on your request"},
	}
	for i, tt := range tests {
		id := "lang-" + string(rune('a'+i))
		e.users.add(id, auth.User{Email: id + "@example.com", EmailVerified: true, Language: tt.account})
		mustSetPrefs(t, e.svc, id, topics(nil, TopicCaseUpdates, []Channel{ChannelEmail}))
		ev := caseEvent("lang-ev-"+id, id)
		ev.To.Language = tt.given
		mustNotify(t, e.svc, ev)
	}
	e.idle(t)
	for i, tt := range tests {
		id := "lang-" + string(rune('a'+i))
		got := e.sent.to(id + "@example.com")
		if len(got) != 1 || !strings.HasPrefix(got[0].Subject, tt.want) {
			t.Errorf("account %q, given %q: %+v, want a subject starting %q", tt.account, tt.given, got, tt.want)
		}
	}
}

func TestUndeliverableFallsBackOncePerEvent(t *testing.T) {
	e := routingEnv(t)
	e.push.setDevices(pushOnly, 3)
	mustNotify(t, e.svc, caseEvent("fb-1", pushOnly))
	mustNotify(t, e.svc, caseEvent("fb-2", pushOnly))
	mustNotify(t, e.svc, caseEvent("fb-3", pushEmail)) // went by email too
	e.idle(t)
	var wg sync.WaitGroup
	for range 3 { // three devices fail, at once
		wg.Go(func() {
			if err := e.svc.Undeliverable(ctx, pushOnly, "fb-1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, call := range [][2]string{{pushEmail, "fb-1"}, {pushOnly, "no-such-event"}, {pushEmail, "fb-3"}} {
		if err := e.svc.Undeliverable(ctx, call[0], call[1]); err != nil {
			t.Errorf("Undeliverable(%s, %s): %v", call[0], call[1], err)
		}
	}
	e.idle(t)
	got := e.sent.to(pushOnly + "@example.com")
	if len(got) != 1 || got[0].Subject != "Update on your request K7M-Q2X-9PT" {
		t.Errorf("three failed devices for one event: emails %+v, want exactly one", got)
	}
	if n := len(e.sent.to(pushEmail + "@example.com")); n != 1 {
		t.Errorf("event already emailed: %d emails after Undeliverable, want still 1", n)
	}
	if err := e.svc.Undeliverable(ctx, pushOnly, "fb-1"); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if n := len(e.sent.to(pushOnly + "@example.com")); n != 1 {
		t.Errorf("a later failure of the same event sent another email: %d", n)
	}
}

func TestNotifyJoinsTheCallersTransaction(t *testing.T) {
	e := routingEnv(t)
	err := e.db.Tx(ctx, func(tx context.Context) error {
		if err := e.svc.Notify(tx, caseEvent("rolled-back", pushEmail)); err != nil {
			return err
		}
		return errTest
	})
	if !errors.Is(err, errTest) {
		t.Fatal(err)
	}
	mustNotify(t, e.svc, caseEvent("twice", pushEmail))
	mustNotify(t, e.svc, caseEvent("twice", pushEmail)) // a retried request
	e.idle(t)
	if got := e.sent.to(pushEmail + "@example.com"); len(got) != 1 {
		t.Errorf("rolled-back event plus one event queued twice: %d emails, want 1", len(got))
	}
}

func TestNotifyRefusesBadEvents(t *testing.T) {
	e := newEnv(t, envConfig{})
	good := caseEvent("k", "r1")
	tests := map[string]func(*Event){
		"no key":        func(ev *Event) { ev.Key = "" },
		"long key":      func(ev *Event) { ev.Key = strings.Repeat("k", MaxKeyLen+1) },
		"unknown kind":  func(ev *Event) { ev.Kind = "party" },
		"unknown topic": func(ev *Event) { ev.Topic = "weather" },
		"no recipient":  func(ev *Event) { ev.To = Recipient{} },
		"bad email":     func(ev *Event) { ev.To = Recipient{Email: "not an address"} },
		"missing data":  func(ev *Event) { delete(ev.Data, "Update") },
		"missing url":   func(ev *Event) { ev.URL = "" },
		"bad url":       func(ev *Event) { ev.URL = "javascript:alert(1)" },
		"bad data key":  func(ev *Event) { ev.Data["lower"] = "x" },
		"control chars": func(ev *Event) { ev.Data["Update"] = "a\x00b" },
		"nested data":   func(ev *Event) { ev.Data["Update"] = map[string]any{"a": 1} },
		"count a word":  func(ev *Event) { ev.Kind, ev.Data["Count"] = KindTUOFailed, "two" },
		"bad deadline":  func(ev *Event) { ev.Kind, ev.Data["Deadline"] = KindComplaintResponse, "soon" },
	}
	for name, edit := range tests {
		ev := good
		ev.Data = map[string]any{}
		for k, v := range good.Data {
			ev.Data[k] = v
		}
		edit(&ev)
		err := e.svc.Notify(ctx, ev)
		if !errors.Is(err, ErrBadEvent) && !errors.Is(err, ErrBadResident) {
			t.Errorf("%s: err %v, want ErrBadEvent", name, err)
		}
	}
	if err := e.svc.Notify(ctx, good); err != nil {
		t.Errorf("the good event: %v", err)
	}
}

func TestSendCodesIgnoresPreferencesAndLogsNothing(t *testing.T) {
	e := routingEnv(t)
	mustSetPrefs(t, e.svc, pushEmail, topics(nil)) // nothing on any topic
	const code = "493817"
	msgs := []auth.Message{
		{To: pushEmail + "@example.com", Channel: auth.MessageEmail, Subject: "Your code", Body: "Your code is " + code},
		{To: "07700 900555", Channel: auth.MessageSMS, Body: "Your code is " + code},
	}
	for _, m := range msgs {
		if err := e.svc.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.sent.to(pushEmail + "@example.com"); len(got) != 1 || got[0].Body != "Your code is "+code {
		t.Errorf("code by email: %+v", got)
	}
	if got := e.sent.to("+447700900555"); len(got) != 1 || got[0].Channel != ChannelSMS {
		t.Errorf("code by SMS: %+v", got)
	}
	if err := e.svc.Send(ctx, auth.Message{To: "x", Channel: auth.MessageEmail, Body: "b"}); !errors.Is(err, ErrBadEvent) {
		t.Errorf("bad address: %v", err)
	}
	mustNotify(t, e.svc, caseEvent("logged", noDevice))
	e.idle(t)
	logs := e.logs.String()
	for _, secret := range []string{code, "@example.com", "+4477", "K7M-Q2X-9PT", "crew"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs hold %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "event routed") {
		t.Errorf("routing was not logged at all:\n%s", logs)
	}
}

func TestNewNeedsAChannel(t *testing.T) {
	e := newEnv(t, envConfig{})
	_, err := New(ctx, e.db, e.ob, Options{Users: AccountUsers{Users: e.users}, Localize: localize()})
	if err == nil || !strings.Contains(err.Error(), "no channel") {
		t.Errorf("New without channels: %v", err)
	}
}
