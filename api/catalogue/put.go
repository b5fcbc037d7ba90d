package catalogue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"frontdoor/api/store"
)

// PutService creates or replaces the service in.Code with the definition
// in, after checking all of it (a *ValidationError with pointers into the
// service's JSON). The form's version is the server's: 1 for a new
// service, one more when the questions differ from the current ones, the
// same otherwise. Every version is kept, so a case keeps the form it used.
func (c *Catalogue) PutService(ctx context.Context, in Service) (svc *Service, created bool, err error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	err = store.Retry(ctx, func() error {
		return c.db.Tx(ctx, func(ctx context.Context) error {
			s := in // fn may run again: start from the input each time
			svc, created = nil, false
			if err := c.checkRefs(ctx, &s, nil); err != nil {
				return err
			}
			cur, err := c.services.FindOne(ctx, store.Eq(fieldCode, s.Code))
			switch {
			case errors.Is(err, store.ErrNotFound):
				created = true
				err = c.insertService(ctx, &s)
			case err == nil:
				err = c.replaceService(ctx, cur, &s)
			}
			if err != nil {
				return err
			}
			svc = &s
			return nil
		})
	}, store.ErrConflict, store.ErrDuplicate) // two admins saving at once: the later one goes again
	if err != nil {
		return nil, false, wrap("put service", err)
	}
	return svc, created, nil
}

// insertService stores a new service with form version 1, which is kept too.
func (c *Catalogue) insertService(ctx context.Context, s *Service) error {
	now := c.now()
	s.Meta = store.Meta{}
	s.Form.Version = 1
	s.UpdatedAt = now
	if err := c.services.Insert(ctx, s); err != nil {
		return err
	}
	return c.forms.Insert(ctx, &formVersion{Service: s.Code, Number: 1, Questions: s.Form.Questions, CreatedAt: now})
}

// replaceService stores s over cur, with a new form version when the
// questions changed.
func (c *Catalogue) replaceService(ctx context.Context, cur, s *Service) error {
	if s.Version != 0 && s.Version != cur.Version {
		return ErrStale // the admin edited an older copy: another change came first
	}
	now := c.now()
	s.Meta = cur.Meta
	s.Form.Version = cur.Form.Version
	if !sameQuestions(cur.Form.Questions, s.Form.Questions) {
		s.Form.Version++
		fv := &formVersion{Service: s.Code, Number: s.Form.Version, Questions: s.Form.Questions, CreatedAt: now}
		if err := c.forms.Insert(ctx, fv); err != nil {
			return err
		}
	}
	s.UpdatedAt = now
	return c.services.Replace(ctx, s)
}

// sameQuestions compares forms as stored: both are normalized by Validate,
// and JSON writes map keys in order, so equal forms encode alike.
func sameQuestions(a, b []Question) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// checkRefs checks what a definition names in the store: its team, its
// related services (or, while seeding, those about to be) and its
// complaint reviewers.
func (c *Catalogue) checkRefs(ctx context.Context, s *Service, seeding map[string]bool) error {
	var ck checker
	if err := c.teamExists(ctx, &ck, "/team", s.Team); err != nil {
		return err
	}
	if s.Complaint != nil {
		if err := c.teamExists(ctx, &ck, "/complaint/stage2_team", s.Complaint.Stage2Team); err != nil {
			return err
		}
	}
	if len(s.Related) > 0 {
		page, err := c.services.Find(ctx, store.Query{Where: []store.Cond{store.In(fieldCode, store.Values(s.Related)...)}, Limit: maxRelated})
		if err != nil {
			return err
		}
		found := map[string]bool{}
		for _, r := range page.Items {
			found[r.Code] = true
		}
		for i, code := range s.Related {
			if !found[code] && !seeding[code] {
				ck.Add(at("/related", i), MsgServiceUnknown)
			}
		}
	}
	return ck.Err()
}

func (c *Catalogue) teamExists(ctx context.Context, ck *checker, ptr, key string) error {
	_, err := c.teams.FindOne(ctx, store.Eq(fieldKey, key))
	if errors.Is(err, store.ErrNotFound) {
		ck.Add(ptr, MsgTeamUnknown)
		return nil
	}
	return err
}

// Seed adds the teams and services that are missing and leaves the rest
// alone, so that admins' edits survive a restart. Running it again changes
// nothing. A definition that does not validate is an error: seeds are ours.
func (c *Catalogue) Seed(ctx context.Context, teams []Team, services []Service) error {
	for _, t := range teams {
		if err := c.seedTeam(ctx, t); err != nil {
			return fmt.Errorf("catalogue: seed team %q: %w", t.Key, err)
		}
	}
	seeding := map[string]bool{}
	for _, s := range services {
		seeding[s.Code] = true
	}
	for _, s := range services {
		if err := c.seedService(ctx, s, seeding); err != nil {
			return fmt.Errorf("catalogue: seed service %q: %w", s.Code, err)
		}
	}
	return nil
}

func (c *Catalogue) seedTeam(ctx context.Context, t Team) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if _, err := c.Team(ctx, t.Key); !errors.Is(err, store.ErrNotFound) {
		return err // nil when it is there already
	}
	t.Meta = store.Meta{}
	t.CreatedAt = c.now()
	if err := c.teams.Insert(ctx, &t); err != nil && !errors.Is(err, store.ErrDuplicate) {
		return err
	}
	return nil
}

func (c *Catalogue) seedService(ctx context.Context, s Service, seeding map[string]bool) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if _, err := c.Service(ctx, s.Code); !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := c.checkRefs(ctx, &s, seeding); err != nil {
		return err
	}
	err := c.db.Tx(ctx, func(ctx context.Context) error {
		fresh := s
		return c.insertService(ctx, &fresh)
	})
	if errors.Is(err, store.ErrDuplicate) {
		return nil // seeded meanwhile by another instance
	}
	return err
}

// wrap adds context to store errors and leaves domain errors as they are.
func wrap(op string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return err
	}
	return fmt.Errorf("catalogue: %s: %w", op, err)
}
