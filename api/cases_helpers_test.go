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
	"frontdoor/api/open311"
	"frontdoor/locales"
)

// casesEnv is the whole server with the default catalogue (the demo
// council's services and teams, in every language), cases and Open311.
type casesEnv struct {
	*acctEnv
	cat     *catalogue.Catalogue
	cases   *cases.Service
	clients *open311.Clients
}

func newCasesEnv(tb testing.TB) *casesEnv {
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
		notify := cases.Messenger{Users: e.auth, Send: e.dev, BaseURL: "http://frontdoor.test",
			Localize: func(lang, id string, data map[string]any) string { return locales.Localize(d.Bundle, lang, id, data) }}.Notify
		if ce.cases, err = cases.New(ctx, e.db, e.ob, ce.cat, cases.Options{Area: catalogue.Plymouth, Notify: notify}); err != nil {
			tb.Fatal(err)
		}
		if ce.clients, err = open311.NewClients(ctx, e.db, nil); err != nil {
			tb.Fatal(err)
		}
		d.Catalogue, d.Cases, d.Open311 = ce.cat, ce.cases, ce.clients
	})
	return ce
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
