package api

import (
	"cmp"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"frontdoor/api/auth"
	"frontdoor/api/cases"
	"frontdoor/api/catalogue"
)

// Cases for residents: report (POST /api/v1/cases, with Idempotency-Key),
// list and read their own, follow, rate, escalate a complaint; nearby open
// reports before reporting; and tracking without an account
// (POST /api/v1/track). A case that is not the caller's is a 404, exactly
// like one that does not exist.

// caseRequest is a new case. Staff taking a report for someone may say
// which channel it came in on (phone by default); residents may not.
type caseRequest struct {
	Items   []cases.NewItem   `json:"items"`
	Contact *cases.NewContact `json:"contact"`
	Channel string            `json:"channel"`
}

func (s *Server) createCase(c *fiber.Ctx) error {
	var req caseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := cases.NewCase{Items: req.Items, Contact: req.Contact, Language: s.lang(c), Channel: catalogue.ChannelWeb}
	cl := claimsOf(c)
	resident := cl != nil && cl.Has(auth.RoleResident)
	staffReport := cl != nil && !resident && isStaff(cl)
	switch {
	case req.Channel != "" && (!staffReport || !staffChannel(req.Channel)):
		return fieldProblem("/channel", cases.MsgNotAllowed)
	case resident:
		in.Owner, in.Channel, in.Actor = cl.ID, caseChannel(cl.Channel), cl.ActorID
		if err := s.kioskCase(c.UserContext(), cl, &in); err != nil {
			return err
		}
	case staffReport:
		in.Actor, in.Channel = cl.ID, cmp.Or(req.Channel, catalogue.ChannelPhone)
	}
	cs, items, err := s.cases.Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	s.recordKioskCase(c.UserContext(), cl, cs, items)
	c.Location("/api/v1/cases/" + cs.Reference)
	return c.Status(fiber.StatusCreated).JSON(s.caseView(c, cs, items, false))
}

// caseChannel is where a resident's token says they are; an API client
// counts as the web.
func caseChannel(ch auth.Channel) string {
	switch ch {
	case auth.ChannelKiosk, auth.ChannelAssisted, auth.ChannelPhone:
		return string(ch)
	}
	return catalogue.ChannelWeb
}

func staffChannel(ch string) bool {
	return ch == catalogue.ChannelPhone || ch == catalogue.ChannelAssisted || ch == catalogue.ChannelKiosk
}

func isStaff(cl *auth.Claims) bool {
	return cl.Has(auth.RoleStaff) || cl.Has(auth.RoleSupervisor) || cl.Has(auth.RoleAdmin)
}

// requester is the resident behind a request, with the proof of a case
// they may have given instead of signing in.
func requester(c *fiber.Ctx, proof string) cases.Requester {
	rq := cases.Requester{Proof: proof, Channel: catalogue.ChannelWeb}
	if cl := claimsOf(c); cl != nil {
		rq.Channel, rq.Actor = caseChannel(cl.Channel), cl.ActorID
		if cl.Has(auth.RoleResident) {
			rq.Resident = cl.ID
		}
	}
	return rq
}

type caseList struct {
	Items []caseView `json:"items"`
	Next  string     `json:"next,omitempty"`
}

func (s *Server) listCases(c *fiber.Ctx) error {
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	following := c.Query("following") == "true"
	list, next, err := s.cases.List(c.UserContext(), residentID(c), following, cursor, 0)
	if err != nil {
		return err
	}
	out := caseList{Items: make([]caseView, len(list)), Next: next}
	for i, cs := range list {
		out.Items[i] = s.caseView(c, cs, nil, true)
		if following && cs.Owner != residentID(c) {
			out.Items[i] = followerView(out.Items[i])
		}
	}
	return c.JSON(out)
}

func (s *Server) getCase(c *fiber.Ctx) error {
	cs, items, err := s.cases.Get(c.UserContext(), requester(c, ""), strings.Clone(c.Params("ref")))
	if err != nil {
		return err
	}
	return c.JSON(s.caseView(c, cs, items, true))
}

// trackRequest is a reference with the email or postcode given when reporting.
type trackRequest struct {
	Reference string `json:"reference"`
	Email     string `json:"email"`
	Postcode  string `json:"postcode"`
}

// proof is what the resident gave to show the case is theirs.
func (r trackRequest) proof() string {
	if r.Email != "" {
		return r.Email
	}
	return r.Postcode
}

// track shows the limited view of a case to someone without an account.
// Wrong guesses count against the reference and the address (the sign-in
// throttle's rules), and a wrong guess looks exactly like no such case.
func (s *Server) track(c *fiber.Ctx) error {
	var req trackRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	switch {
	case req.Reference == "":
		return fieldProblem("/reference", cases.MsgRequired)
	case req.proof() == "":
		return fieldProblem("/email", cases.MsgRequired)
	}
	var cs *cases.Case
	err := s.guarded(c, trackKey(req.Reference), func() (err error) {
		cs, err = s.cases.Track(c.UserContext(), requester(c, req.proof()), req.Reference)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(s.trackView(c, cs))
}

// trackKey is the throttle key of guesses at one case: the reference in its
// canonical form, so that respelling it does not buy a fresh budget.
func trackKey(ref string) string {
	if canon, err := cases.ParseReference(ref); err == nil {
		return "track:" + canon
	}
	return "track:?" // every malformed reference shares one budget
}

// guarded runs a guess (a tracking proof) under the sign-in throttle: a
// not-found answer counts as a failure for key and the client's address.
func (s *Server) guarded(c *fiber.Ctx, key string, fn func() error) error {
	if s.guard == nil {
		return fn()
	}
	ctx, ip := c.UserContext(), s.clientIP(c).String()
	var te *auth.ThrottleError
	if _, err := s.guard.ThrottleCheck(ctx, key, ip); errors.As(err, &te) {
		return &problem{kind: kindTrackThrottled, count: int64(te.RetryAfter.Seconds() + 0.999), retryAfter: te.RetryAfter}
	} else if err != nil {
		return err
	}
	err := fn()
	if errors.Is(err, cases.ErrNotFound) {
		if ferr := s.guard.ThrottleFail(ctx, key, ip); ferr != nil {
			return ferr
		}
	}
	return err
}

func (s *Server) followCase(c *fiber.Ctx) error {
	cs, err := s.cases.Follow(c.UserContext(), residentID(c), strings.Clone(c.Params("ref")))
	if err != nil {
		return err
	}
	if cs.Owner == residentID(c) {
		return c.JSON(s.trackView(c, cs))
	}
	return c.JSON(followerView(s.trackView(c, cs)))
}

// feedbackRequest rates a closed case; without an account, with the proof.
type feedbackRequest struct {
	Rating   cases.Rating `json:"rating"`
	Comment  string       `json:"comment"`
	Email    string       `json:"email"`
	Postcode string       `json:"postcode"`
}

func (s *Server) giveFeedback(c *fiber.Ctx) error {
	var req feedbackRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ref := strings.Clone(c.Params("ref"))
	proof := trackRequest{Email: req.Email, Postcode: req.Postcode}.proof()
	var cs *cases.Case
	err := s.guarded(c, trackKey(ref), func() (err error) {
		cs, err = s.cases.Feedback(c.UserContext(), requester(c, proof), ref, req.Rating, req.Comment)
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.trackView(c, cs))
}

type escalateRequest struct {
	Reason   string `json:"reason"`
	Email    string `json:"email"`
	Postcode string `json:"postcode"`
}

func (s *Server) escalate(c *fiber.Ctx) error {
	var req escalateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ref, id := strings.Clone(c.Params("ref")), strings.Clone(c.Params("id"))
	proof := trackRequest{Email: req.Email, Postcode: req.Postcode}.proof()
	var cs *cases.Case
	err := s.guarded(c, trackKey(ref), func() (err error) {
		cs, err = s.cases.Escalate(c.UserContext(), requester(c, proof), ref, id, req.Reason)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(s.trackView(c, cs))
}

// informationRequest is what a resident adds to their case; without an
// account, with the proof.
type informationRequest struct {
	Text     string `json:"text"`
	Email    string `json:"email"`
	Postcode string `json:"postcode"`
}

// addInformation puts the resident's words on their case. The owner signed
// in gets their view of the case, as GET /api/v1/cases/{ref} shows it;
// someone giving a proof instead gets the tracking view, never more.
func (s *Server) addInformation(c *fiber.Ctx) error {
	var req informationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ref := strings.Clone(c.Params("ref"))
	rq := requester(c, trackRequest{Email: req.Email, Postcode: req.Postcode}.proof())
	var cs *cases.Case
	err := s.guarded(c, trackKey(ref), func() (err error) {
		cs, err = s.cases.AddInformation(c.UserContext(), rq, ref, req.Text)
		return err
	})
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	if rq.Resident == "" || cs.Owner != rq.Resident {
		return c.JSON(s.trackView(c, cs))
	}
	items, err := s.cases.Items(c.UserContext(), cs)
	if err != nil {
		return err
	}
	return c.JSON(s.caseView(c, cs, items, true))
}

type nearbyList struct {
	Items []cases.NearbyCase `json:"items"`
}

// nearby lists open reports of a service close to a point, so a resident
// can follow one instead of reporting the same thing again.
func (s *Server) nearby(c *fiber.Ctx) error {
	service := strings.Clone(c.Query("service"))
	lat, err1 := strconv.ParseFloat(c.Query("lat"), 64)
	lng, err2 := strconv.ParseFloat(c.Query("lng"), 64)
	switch {
	case service == "" || len(service) > 64:
		return fieldProblem("/service", cases.MsgRequired)
	case err1 != nil || math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90:
		return fieldProblem("/lat", cases.MsgInvalidValue)
	case err2 != nil || math.IsNaN(lng) || math.IsInf(lng, 0) || lng < -180 || lng > 180:
		return fieldProblem("/lng", cases.MsgInvalidValue)
	}
	list, err := s.cases.Nearby(c.UserContext(), service, catalogue.Point{Lat: lat, Lng: lng})
	if err != nil {
		return err
	}
	return c.JSON(nearbyList{Items: list})
}

// uploadPhoto takes one photo (multipart field "file"), cleans it and
// answers its id for a photo question's answer.
func (s *Server) uploadPhoto(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return fieldProblem("/file", cases.MsgRequired)
	}
	if fh.Size > cases.MaxPhotoBytes {
		return &problem{kind: kindFileTooLarge}
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, cases.MaxPhotoBytes+1))
	if err != nil {
		return err
	}
	owner := ""
	if cl := claimsOf(c); cl != nil {
		owner = cl.ID
	}
	a, err := s.cases.Upload(c.UserContext(), owner, data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(map[string]string{"id": a.ID})
}

func (s *Server) ownerPhoto(c *fiber.Ctx) error {
	rc, info, err := s.cases.OwnerPhoto(c.UserContext(), requester(c, ""), strings.Clone(c.Params("ref")), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return sendPhoto(c, rc, info.Size)
}

// fieldProblem is a 400 about one field of the request (a query parameter
// is named as if it were a body field).
func fieldProblem(pointer, id string) *problem {
	return &problem{kind: kindValidation, fields: []fieldError{{pointer: pointer, message: id}}}
}
