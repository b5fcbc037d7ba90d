package api

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/cases"
	"frontdoor/api/catalogue"
	"frontdoor/api/open311"
)

// Open311 GeoReport v2 under /open311/v2, so that FixMyStreet and other
// reporting apps can list services and send reports straight in. Answers
// are in the format the path names (.json or .xml) and errors are the
// specification's error documents, not problem+json.

// open311Handler is an Open311 route: fn gets the format from the path; an
// error it returns leaves as the specification's errors document.
func (s *Server) open311Handler(fn func(c *fiber.Ctx, format string) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		format := c.Params("format")
		if format != "json" && format != "xml" {
			return &problem{kind: kindNotFound}
		}
		if s.catalogue == nil || s.cases == nil {
			return s.open311Errors(c, format, &problem{kind: kindNotFound})
		}
		if err := fn(c, format); err != nil {
			return s.open311Errors(c, format, err)
		}
		return nil
	}
}

// open311Errors writes err as the specification's errors: field errors one
// each, anything else as its problem's localized detail.
func (s *Server) open311Errors(c *fiber.Ctx, format string, err error) error {
	var list open311List
	if !errors.As(err, &list) {
		p := classify(err)
		if p.kind.status >= 500 {
			return err // logged and answered by the error handler
		}
		i := s.langs.pick(c)
		if len(p.fields) == 0 {
			var data map[string]any
			if p.count != nil {
				data = map[string]any{"Count": p.count}
			}
			list = open311List{{Code: p.kind.status, Description: s.langs.localize(i, p.kind.detail, data, p.count)}}
		}
		for _, f := range p.fields {
			list = append(list, open311.Error{Code: p.kind.status, Description: f.pointer + ": " + s.langs.localize(i, f.message, f.data, f.data["Count"])})
		}
	}
	c.Status(list[0].Code)
	return s.writeOpen311(c, format, []open311.Error(list))
}

// open311List lets a list of specification errors travel as one error.
type open311List []open311.Error

func (l open311List) Error() string { return l[0].Error() }

func (s *Server) writeOpen311(c *fiber.Ctx, format string, v any) error {
	c.Set(fiber.HeaderContentType, open311.ContentType(format))
	return open311.Encode(c.Response().BodyWriter(), format, v)
}

func (s *Server) open311Discovery(c *fiber.Ctx) error {
	svcs, err := s.catalogue.Services(c.UserContext(), true)
	if err != nil {
		return err
	}
	var changed time.Time
	for _, svc := range svcs {
		if svc.UpdatedAt.After(changed) {
			changed = svc.UpdatedAt
		}
	}
	return s.writeOpen311(c, "json", open311.Discovery(s.baseURL(c), changed, s.baseURL(c)))
}

func (s *Server) open311Services(c *fiber.Ctx, format string) error {
	svcs, err := s.catalogue.Services(c.UserContext(), false)
	if err != nil {
		return err
	}
	return s.writeOpen311(c, format, open311.ServiceList(svcs, s.lang(c)))
}

func (s *Server) open311Definition(c *fiber.Ctx, format string) error {
	svc, err := s.catalogue.Service(c.UserContext(), strings.Clone(c.Params("code")))
	if err != nil || !open311.Offered(svc) {
		return &problem{kind: kindNotFound}
	}
	return s.writeOpen311(c, format, open311.Definition(svc, s.lang(c)))
}

// open311Post takes a report from a client with an api_key the admins
// issued. It becomes a case on the open311 channel, with the reporter's
// contact details; the same form checks apply as on every channel.
func (s *Server) open311Post(c *fiber.Ctx, format string) error {
	if s.open311 == nil {
		return &problem{kind: kindNotFound}
	}
	form, err := url.ParseQuery(string(c.Request().Body()))
	if err != nil || !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) || c.Get(fiber.HeaderContentEncoding) != "" {
		return open311List{{Code: 400, Description: "send application/x-www-form-urlencoded parameters"}}
	}
	client, err := s.open311.Verify(c.UserContext(), form.Get("api_key"))
	if err != nil {
		return err
	}
	nr, errs := open311.ParseNewRequest(form)
	if len(errs) > 0 {
		return open311List(errs)
	}
	svc, err := s.catalogue.Service(c.UserContext(), nr.ServiceCode)
	if err != nil || !open311.Offered(svc) {
		return open311List{{Code: 404, Description: "service_code: no such service"}}
	}
	answers, errs := open311.Answers(svc, nr)
	if len(errs) > 0 {
		return open311List(errs)
	}
	in := cases.NewCase{Items: []cases.NewItem{{Service: svc.Code, Answers: answers}}, Channel: catalogue.ChannelOpen311,
		Client: client.ID, Language: s.lang(c), Contact: &cases.NewContact{Name: strings.TrimSpace(nr.FirstName + " " + nr.LastName),
			Email: nr.Email, Phone: nr.Phone}}
	cs, _, err := s.cases.Create(c.UserContext(), in)
	if err != nil {
		return open311Fields(err, svc)
	}
	c.Status(fiber.StatusCreated)
	return s.writeOpen311(c, format, []open311.PostResponse{{ServiceRequestID: cs.Reference, ServiceNotice: svc.Standard.WeWill.In(s.lang(c))}})
}

func (s *Server) open311Requests(c *fiber.Ctx, format string) error {
	q, errs := open311.ParseQuery(queryValues(c), time.Now())
	if len(errs) > 0 {
		return open311List(errs)
	}
	ctx, out := c.UserContext(), []open311.Request{}
	if len(q.IDs) > 0 {
		for _, id := range q.IDs {
			if cs, it, err := s.cases.PublicItem(ctx, id); err == nil {
				out = append(out, s.open311Request(c, cs, it))
			} else if !errors.Is(err, cases.ErrNotFound) {
				return err
			}
		}
		return s.writeOpen311(c, format, out)
	}
	f := cases.PublicFilter{Services: q.ServiceCodes, From: q.Start, To: q.End}
	if q.Status != "" {
		open := q.Status == open311.StatusOpen
		f.Open = &open
	}
	items, err := s.cases.PublicItems(ctx, f, open311.MaxRequests)
	if err != nil {
		return err
	}
	for _, it := range items {
		cs, err := s.cases.CaseOf(ctx, it)
		if err != nil {
			return err
		}
		out = append(out, s.open311Request(c, cs, it))
	}
	return s.writeOpen311(c, format, out)
}

func (s *Server) open311OneRequest(c *fiber.Ctx, format string) error {
	cs, it, err := s.cases.PublicItem(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return s.writeOpen311(c, format, []open311.Request{s.open311Request(c, cs, it)})
}

// open311Request is an item as the public sees it: where, what and how it
// stands. The description and staff's notes are shown only for reports
// that came in through Open311 (their reporters chose a public channel);
// nothing about who.
func (s *Server) open311Request(c *fiber.Ctx, cs *cases.Case, it *cases.Item) open311.Request {
	ctx, lang := c.UserContext(), s.lang(c)
	r := open311.Request{ID: cases.RequestID(cs, it.ID), Status: open311.StatusFor(string(it.Status)),
		ServiceCode: it.Service, ServiceName: s.serviceName(ctx, it.Service, lang), Requested: it.CreatedAt, Updated: it.UpdatedAt}
	if it.Open {
		due := it.DueAt
		r.Expected = &due
	}
	if t, err := s.catalogue.Team(ctx, it.Team); err == nil {
		r.AgencyResponsible = t.Name.In(lang)
	}
	if svc, err := s.catalogue.Service(ctx, it.Service); err == nil {
		r.ServiceNotice = svc.Standard.WeWill.In(lang)
		if m := open311.MappingOf(svc.Form); it.Channel == catalogue.ChannelOpen311 && m.Description != "" {
			r.Description, _ = it.Answers[m.Description].(string)
		}
	}
	if p := it.Location; p != nil {
		r.Lat, r.Long = &p.Lat, &p.Lng
	}
	if it.Channel != catalogue.ChannelOpen311 {
		return r
	}
	for i := len(cs.Events) - 1; i >= 0; i-- { // the latest public update is the status note
		if e := cs.Events[i]; e.Public && (e.Kind == cases.EventUpdate || e.ItemID == it.ID && e.Text != "") {
			r.StatusNotes = e.Text
			break
		}
	}
	return r
}

// open311Fields renames the fields of a refused report from our JSON
// Pointers to the parameters the client sent: attribute[code], lat/long,
// description, email.
func open311Fields(err error, svc *catalogue.Service) error {
	var ve *cases.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	m := open311.MappingOf(svc.Form)
	out := &cases.ValidationError{}
	for _, f := range ve.Fields {
		q, _, _ := strings.Cut(strings.TrimPrefix(f.Pointer, "/items/0/answers/"), "/")
		switch {
		case !strings.HasPrefix(f.Pointer, "/items/0/answers/"):
			f.Pointer = strings.TrimPrefix(strings.TrimPrefix(f.Pointer, "/contact/"), "/items/0/")
		case q == m.Point:
			f.Pointer = "lat"
		case q == m.Description:
			f.Pointer = "description"
		default:
			f.Pointer = "attribute[" + q + "]"
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

// queryValues copies the query string (Fiber's buffers are reused).
func queryValues(c *fiber.Ctx) url.Values {
	v, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	return v
}

// baseURL is the public URL, or the one this request came in on.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	return c.BaseURL()
}

type open311ClientRequest struct {
	Name string `json:"name"`
}

type open311ClientView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Prefix    string    `json:"prefix"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	APIKey    string    `json:"api_key,omitempty"` // only in the answer that creates it
}

func clientView(cl *open311.Client, key string) open311ClientView {
	return open311ClientView{ID: cl.ID, Name: cl.Name, Prefix: cl.Prefix, Disabled: cl.Disabled, CreatedAt: cl.CreatedAt, APIKey: key}
}

// createOpen311Client issues an API key, shown once (behind s.idempotent,
// so a lost answer can be fetched again with the same Idempotency-Key).
func (s *Server) createOpen311Client(c *fiber.Ctx) error {
	var req open311ClientRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cl, key, err := s.open311.Create(c.UserContext(), req.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(clientView(cl, key))
}

func (s *Server) listOpen311Clients(c *fiber.Ctx) error {
	list, err := s.open311.List(c.UserContext())
	if err != nil {
		return err
	}
	out := struct {
		Items []open311ClientView `json:"items"`
	}{Items: make([]open311ClientView, len(list))}
	for i := range list {
		out.Items[i] = clientView(&list[i], "")
	}
	return c.JSON(out)
}

func (s *Server) disableOpen311Client(c *fiber.Ctx) error {
	cl, err := s.open311.Disable(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(clientView(cl, ""))
}

// open311On answers 404 without Open311 clients (see Deps.Open311).
func (s *Server) open311On(c *fiber.Ctx) error {
	if s.open311 == nil {
		return &problem{kind: kindNotFound}
	}
	return c.Next()
}
