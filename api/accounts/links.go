package accounts

import (
	"context"
	"errors"
	"regexp"
	"time"
	"unicode/utf8"

	"frontdoor/api/store"
)

// MaxLinks is how many services one resident may link.
const MaxLinks = 50

var consentVersion = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Link is a linked service: a council service the resident is known to by
// its own reference, with the resident's consent to tell it about changes.
type Link struct {
	store.Meta
	ResidentID string    `json:"resident_id"`
	Connector  string    `json:"connector"`
	Reference  string    `json:"reference"`
	Consent    Consent   `json:"consent"`
	CreatedAt  time.Time `json:"created_at"`
}

// Consent records when the resident agreed, and to which wording.
type Consent struct {
	GivenAt     time.Time `json:"given_at"`
	TextVersion string    `json:"text_version"`
}

// Given says whether the consent stands.
func (c Consent) Given() bool { return !c.GivenAt.IsZero() && c.TextVersion != "" }

// LinkRequest is what a resident sends to link a service.
type LinkRequest struct {
	Connector      string `json:"connector"`
	Reference      string `json:"reference"`
	Consent        bool   `json:"consent"`
	ConsentVersion string `json:"consent_version"` // the version of the consent text shown
}

// LinkService links a service to the resident's record with their reference
// there and their consent.
func (s *Service) LinkService(ctx context.Context, residentID string, req LinkRequest) (*Link, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	conn, err := s.checkLink(ctx, residentID, &req)
	if err != nil {
		return nil, err
	}
	now := s.now()
	l := &Link{
		ResidentID: residentID, Connector: conn.Key, Reference: req.Reference,
		Consent: Consent{GivenAt: now, TextVersion: req.ConsentVersion}, CreatedAt: now,
	}
	if err := s.links.Insert(ctx, l); errors.Is(err, store.ErrDuplicate) {
		return nil, &ConflictError{Pointer: "/connector", ID: MsgLinkExists}
	} else if err != nil {
		return nil, err
	}
	return l, nil
}

// checkLink validates a link request against its connector and the
// resident's other links, trimming the reference in place.
func (s *Service) checkLink(ctx context.Context, residentID string, req *LinkRequest) (*connectorRecord, error) {
	var ck checker
	if !req.Consent {
		ck.Add("/consent", MsgConsentRequired)
	}
	if !consentVersion.MatchString(req.ConsentVersion) {
		ck.Add("/consent_version", MsgInvalidValue)
	}
	conn, err := s.connector(ctx, req.Connector)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && conn.Disabled:
		ck.Add("/connector", MsgConnectorUnknown)
		return nil, ck.Err()
	case err != nil:
		return nil, err
	}
	if ck.text("/reference", &req.Reference, conn.ReferenceMaxLen, true) && !conn.referenceOK(req.Reference) {
		ck.Add("/reference", MsgReferenceInvalid)
	}
	if !ck.ok() {
		return nil, ck.Err()
	}
	n, err := s.links.Count(ctx, store.Eq(fieldResident, residentID))
	if err != nil {
		return nil, err
	}
	if n >= MaxLinks {
		return nil, &ValidationError{Fields: []FieldError{{ID: MsgTooManyLinks, Data: map[string]any{"Count": MaxLinks}}}}
	}
	if _, err := s.links.FindOne(ctx, store.Eq(fieldResident, residentID), store.Eq(fieldConnector, conn.Key)); err == nil {
		return nil, &ConflictError{Pointer: "/connector", ID: MsgLinkExists}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return conn, nil
}

// referenceOK matches the whole reference against the connector's pattern.
// Go's regular expressions run in linear time, so an admin's pattern cannot
// be made to hang on a hostile reference.
func (c *Connector) referenceOK(ref string) bool {
	if utf8.RuneCountInString(ref) > c.ReferenceMaxLen {
		return false
	}
	if c.ReferencePattern == "" {
		return true
	}
	re, err := regexp.Compile(`^(?:` + c.ReferencePattern + `)$`)
	return err == nil && re.MatchString(ref)
}

// ListLinks returns the resident's own links, by connector key.
func (s *Service) ListLinks(ctx context.Context, residentID string) ([]Link, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	return collect(ctx, s.links, store.Query{
		Where: []store.Cond{store.Eq(fieldResident, residentID)},
		Sort:  fieldConnector,
		Limit: MaxLinks,
	}, MaxLinks)
}

// UnlinkService removes one of the resident's own links; anyone else's is
// ErrNotFound. Changes already reported still reach the service: they were
// told while the link and its consent stood.
func (s *Service) UnlinkService(ctx context.Context, residentID, linkID string) error {
	if !validID(residentID) {
		return ErrBadResidentID
	}
	if !validID(linkID) {
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		l, err := s.links.Get(ctx, linkID)
		if err != nil {
			return err
		}
		if l.ResidentID != residentID {
			return ErrNotFound
		}
		return s.links.Delete(ctx, linkID)
	})
}
