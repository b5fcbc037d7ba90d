package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"testing"

	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/api/catalogue"
	"frontdoor/api/notify"
	"frontdoor/api/open311"
	"frontdoor/api/push"
	"frontdoor/locales"
)

// casesEnv is the whole server with the default catalogue (the demo
// council's services and teams, in every language), cases, Open311, Web
// Push and notifications (email and SMS into the development outbox).
type casesEnv struct {
	*acctEnv
	cat     *catalogue.Catalogue
	cases   *cases.Service
	clients *open311.Clients
	push    *push.Service
	notify  *notify.Service
}

func newCasesEnv(tb testing.TB) *casesEnv { return newCasesEnvWith(tb, nil) }

// newCasesEnvWith sends push messages with client: a local push service's
// (pushtest.Server.Client), or nil for push's own.
func newCasesEnvWith(tb testing.TB, client *http.Client) *casesEnv {
	tb.Helper()
	ce := &casesEnv{}
	ce.acctEnv = newAcctEnvWith(tb, acctOutbox, func(e *acctEnv, d *Deps) {
		ctx := context.Background()
		var err error
		if ce.cat, err = catalogue.New(ctx, e.db, catalogue.Options{}); err != nil {
			tb.Fatal(err)
		}
		teams, svcs := catalogue.Defaults(func(lang, id string) string { return locales.Localize(d.Bundle, lang, id, nil) },
			[]string{"en", "cy", "pl", "ar"})
		if err := ce.cat.Seed(ctx, teams, svcs); err != nil {
			tb.Fatal(err)
		}
		localize := func(lang, id string, data map[string]any) string { return locales.Localize(d.Bundle, lang, id, data) }
		ce.buildNotify(tb, e, client, localize)
		if ce.cases, err = cases.New(ctx, e.db, e.ob, ce.cat, cases.Options{Area: catalogue.Plymouth, Tell: ce.notify, Push: ce.push,
			Localize: localize, BaseURL: "http://frontdoor.test"}); err != nil {
			tb.Fatal(err)
		}
		if ce.clients, err = open311.NewClients(ctx, e.db, nil); err != nil {
			tb.Fatal(err)
		}
		d.Catalogue, d.Cases, d.Open311, d.Push, d.Notify = ce.cat, ce.cases, ce.clients, ce.push, ce.notify
	})
	return ce
}

// buildNotify is cmd's wiring of push and notifications, on loopback.
func (ce *casesEnv) buildNotify(tb testing.TB, e *acctEnv, client *http.Client, localize func(lang, id string, data map[string]any) string) {
	tb.Helper()
	ctx := context.Background()
	var err error
	ce.push, err = push.New(ctx, e.db, e.ob, push.Options{Subject: "mailto:digital@plymouth.example", AllowedHosts: []string{"127.0.0.1"},
		AllowLoopbackHTTP: true, Client: client,
		OnUndeliverable: func(ctx context.Context, sub *push.Subscription, msg push.Message) error {
			if sub.Resident == "" {
				return nil
			}
			return ce.notify.Undeliverable(ctx, sub.Resident, msg.Ref)
		}})
	if err != nil {
		tb.Fatal(err)
	}
	dev := notify.DevMessages{Outbox: e.dev}
	ce.notify, err = notify.New(ctx, e.db, e.ob, notify.Options{Push: notify.WebPush{Push: ce.push}, Email: dev, SMS: dev,
		Users: notify.AccountUsers{Users: e.auth}, Localize: localize})
	if err != nil {
		tb.Fatal(err)
	}
}

// staff makes a member of staff in teams (or a supervisor or admin) and
// returns their id and access token.
func (e *casesEnv) staff(tb testing.TB, email string, role auth.Role, teams ...string) (string, string) {
	tb.Helper()
	u, err := e.auth.CreateUser(context.Background(), auth.CreateUserInput{Email: email, Role: role, Teams: teams, Password: "staff passphrase 1"})
	if err != nil {
		tb.Fatal(err)
	}
	return u.ID, e.token(tb, u.ID, role)
}

// caseJSON is a case as the API answers it.
type caseJSON struct {
	Reference         string `json:"reference"`
	Status            string `json:"status"`
	Channel           string `json:"channel"`
	FeedbackRequested bool   `json:"feedback_requested"`
	MergedInto        string `json:"merged_into"`
	Items             []struct {
		ID          string         `json:"id"`
		Service     string         `json:"service"`
		ServiceName string         `json:"service_name"`
		Status      string         `json:"status"`
		Team        string         `json:"team"`
		DueAt       string         `json:"due_at"`
		Answers     map[string]any `json:"answers"`
		Assignee    string         `json:"assignee"`
		Complaint   *struct {
			Stage int `json:"stage"`
		} `json:"complaint"`
		EscalateBy string `json:"escalate_by"`
	} `json:"items"`
	Updates []struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
	} `json:"updates"`
	Contact *cases.Contact `json:"contact"`
	Events  []cases.Event  `json:"events"`
}

func (c caseJSON) updateTexts() []string {
	var out []string
	for _, u := range c.Updates {
		out = append(out, u.Text)
	}
	return out
}

// Places in and near Plymouth.
var (
	theHoe   = catalogue.Point{Lat: 50.3644, Lng: -4.1420}
	torpoint = catalogue.Point{Lat: 50.3746, Lng: -4.1946}
)

func pointJSON(p catalogue.Point) string { return fmt.Sprintf(`{"lat": %v, "lng": %v}`, p.Lat, p.Lng) }

// jpegPhoto is a small real photo.
func jpegPhoto(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a file as multipart field "file".
func (e *casesEnv) upload(tb testing.TB, token, name string, data []byte) *response {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	h := map[string]string{"Content-Type": mw.FormDataContentType()}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return do(tb, http.MethodPost, e.url+"/api/v1/attachments", h, body.String())
}

func mustUpload(tb testing.TB, e *casesEnv, token string) string {
	tb.Helper()
	got := mustJSON[map[string]string](tb, e.upload(tb, token, "photo.jpg", jpegPhoto(tb, 64, 48)), 201)
	return got["id"]
}

func jsonString(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
