package accounts

import (
	"context"
	"errors"
	"time"

	"frontdoor/api/store"
)

// maxExported bounds each list in an export.
const maxExported = 100_000

// Export is everything held about a resident: their customer record (nil
// when they have none), linked services, changes, and who on the staff read
// their record, when and why.
type Export struct {
	Customer   *Customer    `json:"customer"`
	Links      []Link       `json:"links"`
	Changes    []Change     `json:"changes"`
	StaffReads []AuditEntry `json:"staff_reads"`
	ExportedAt time.Time    `json:"exported_at"`
}

// Export gathers everything held about the resident.
func (s *Service) Export(ctx context.Context, residentID string) (*Export, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	out := &Export{ExportedAt: s.now()}
	rec, err := s.customers.Get(ctx, residentID)
	switch {
	case err == nil:
		out.Customer = &rec.Customer
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	if out.Links, err = s.ListLinks(ctx, residentID); err != nil {
		return nil, err
	}
	mine := []store.Cond{store.Eq(fieldResident, residentID)}
	if out.Changes, err = collect(ctx, s.changes, store.Query{Where: mine, Sort: fieldCreatedAt, Limit: store.MaxLimit}, maxExported); err != nil {
		return nil, err
	}
	if out.StaffReads, err = collect(ctx, s.audit, store.Query{Where: mine, Sort: fieldAt, Limit: store.MaxLimit}, maxExported); err != nil {
		return nil, err
	}
	out.Links, out.Changes, out.StaffReads = orEmpty(out.Links), orEmpty(out.Changes), orEmpty(out.StaffReads)
	return out, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Erasure says what Erase removed.
type Erasure struct {
	Customer          bool `json:"customer"`           // the customer record was deleted
	Links             int  `json:"links"`              // linked services deleted
	ChangesAnonymised int  `json:"changes_anonymised"` // changes kept without values, references or owner
}

// Erase deletes the resident's customer record and links and anonymises
// their changes (kind, dates and per-service statuses stay, for the
// council's records; values, references and the resident id go), all in
// one transaction. Deliveries still queued for those changes send nothing.
// The staff-read audit is kept: it accounts for staff and holds no record
// data. Revoking sessions is the auth package's part of erasure.
func (s *Service) Erase(ctx context.Context, residentID string) (*Erasure, error) {
	if !validID(residentID) {
		return nil, ErrBadResidentID
	}
	var out Erasure
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		out = Erasure{}
		switch err := s.customers.Delete(ctx, residentID); {
		case err == nil:
			out.Customer = true
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		links, err := s.ListLinks(ctx, residentID)
		if err != nil {
			return err
		}
		for _, l := range links {
			if err := s.links.Delete(ctx, l.ID); err != nil {
				return err
			}
		}
		out.Links = len(links)
		n, err := s.anonymiseChanges(ctx, residentID)
		out.ChangesAnonymised = n
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// anonymiseChanges strips the resident's changes page by page; each one
// leaves the resident's index as it is written, so the first page is always
// the next.
func (s *Service) anonymiseChanges(ctx context.Context, residentID string) (int, error) {
	n := 0
	for {
		page, err := s.changes.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fieldResident, residentID)}, Limit: 200})
		if err != nil || len(page.Items) == 0 {
			return n, err
		}
		for i := range page.Items {
			ch := &page.Items[i]
			ch.ResidentID, ch.Values, ch.Anonymised, ch.UpdatedAt = "", nil, true, s.now()
			for j := range ch.Services {
				ch.Services[j].Reference = ""
			}
			if err := s.changes.Replace(ctx, ch); err != nil {
				return n, err
			}
			n++
		}
	}
}
