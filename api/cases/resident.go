package cases

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"frontdoor/api/accounts"
	"frontdoor/api/catalogue"
	"frontdoor/api/store"
)

// Requester is a resident acting on a case: signed in (Resident, the account
// id), or not, proving the case is theirs with the email or postcode they
// gave when reporting (Proof). Channel and Actor say where and with whom.
type Requester struct {
	Resident string
	Proof    string
	Channel  string
	Actor    string
}

// owns says whether the requester may see and act on the case. A wrong
// proof and someone else's case look the same: ErrNotFound.
func (c *Case) owns(rq Requester) bool {
	if rq.Resident != "" && c.Owner == rq.Resident {
		return true
	}
	return rq.Proof != "" && c.Contact != nil && proves(c.Contact, rq.Proof)
}

// proves compares a proof with the contact's email, postcode or phone in
// their normal forms, in constant time.
func proves(ct *Contact, proof string) bool {
	eq := func(a, b string) bool { return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	if e, ok := accounts.NormalizeEmail(proof); ok && eq(ct.Email, e) {
		return true
	}
	if p, ok := accounts.NormalizePostcode(proof); ok && eq(ct.Postcode, p) {
		return true
	}
	p, ok := accounts.NormalizePhone(proof)
	return ok && eq(ct.Phone, p)
}

// Get is a case as its owner sees it; ErrNotFound for anyone else's.
func (s *Service) Get(ctx context.Context, rq Requester, ref string) (*Case, []*Item, error) {
	c, err := s.caseByRef(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if !c.owns(rq) {
		return nil, nil, ErrNotFound
	}
	items, err := s.caseItems(ctx, c)
	return c, items, err
}

// Track is the limited view of a case for someone without an account, who
// gives its reference and the email or postcode they reported with. The
// view is counted as an interaction on the caller's channel.
func (s *Service) Track(ctx context.Context, rq Requester, ref string) (*Case, error) {
	c, err := s.caseByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !c.owns(rq) {
		return nil, ErrNotFound
	}
	if len(c.Lines) > 0 {
		if err := s.countInteraction(ctx, c.Lines[0].Service, rq.Channel); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// List is a page of the resident's own cases, newest first; with following,
// the cases they follow instead.
func (s *Service) List(ctx context.Context, resident string, following bool, cursor string, limit int) ([]*Case, string, error) {
	if !following {
		page, err := s.cases.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fOwner, resident)},
			Sort: fCreatedAt, Desc: true, Limit: limit, After: cursor})
		if err != nil {
			return nil, "", err
		}
		return ptrs(page.Items), page.Next, nil
	}
	page, err := s.follows.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fResident, resident)},
		Sort: fCreatedAt, Desc: true, Limit: limit, After: cursor})
	if err != nil {
		return nil, "", err
	}
	out := make([]*Case, 0, len(page.Items))
	for _, f := range page.Items {
		c, err := s.cases.Get(ctx, f.CaseID)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	return out, page.Next, nil
}

// follow records that a resident wants the updates of a case they did not
// report (the same problem, reported already by a neighbour).
type follow struct {
	store.Meta
	Resident  string    `json:"resident"`
	CaseID    string    `json:"case_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Follow makes the resident a follower of an open case; following twice is
// the same as once. Only public reports (every item on the Open311 list,
// like the nearby ones) may be followed: a stranger has no business with
// anyone's complaint or repair, whatever reference they hold.
func (s *Service) Follow(ctx context.Context, resident, ref string) (*Case, error) {
	var out *Case
	err := s.tx(ctx, func(ctx context.Context) error {
		c, err := s.caseByRef(ctx, ref)
		if err != nil {
			return err
		}
		items, err := s.caseItems(ctx, c)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(items, func(it *Item) bool { return !it.Public }) && c.Owner != resident {
			return ErrNotFound
		}
		if !c.Open {
			return ErrFinished
		}
		out = c
		return s.addFollower(ctx, resident, c.ID)
	})
	return out, err
}

func (s *Service) addFollower(ctx context.Context, resident, caseID string) error {
	_, err := s.follows.FindOne(ctx, store.Eq(fResident, resident), store.Eq(fCaseID, caseID))
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	return s.follows.Insert(ctx, &follow{Resident: resident, CaseID: caseID, CreatedAt: s.now()})
}

// NearbyCase is an open report near a point: enough to recognise it, and
// nothing about who made it.
type NearbyCase struct {
	Reference string    `json:"reference"`
	Service   string    `json:"service"`
	Status    Status    `json:"status"`
	Distance  float64   `json:"distance_m"`
	CreatedAt time.Time `json:"created_at"`
}

// NearbyRadius is how close an open report must be to count as the same
// problem; maxNearby bounds how many are offered.
const (
	NearbyRadius = 50.0
	maxNearby    = 100
)

// Nearby lists open reports of a service within NearbyRadius metres of p,
// nearest first. Only services on the public Open311 list take part: where
// someone reported a noise nuisance is nobody else's business.
func (s *Service) Nearby(ctx context.Context, service string, p catalogue.Point) ([]NearbyCase, error) {
	q := store.Query{Where: []store.Cond{
		store.Eq(fService, service), store.Eq(fOpen, true), store.In(fCell, store.Values(NearbyCells(p))...),
	}, Limit: store.MaxLimit}
	out := []NearbyCase{}
	for {
		page, err := s.items.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if !it.Public || it.Location == nil {
				continue
			}
			if d := DistanceMetres(p, *it.Location); d <= NearbyRadius {
				out = append(out, NearbyCase{Reference: it.Reference, Service: it.Service, Status: it.Status, Distance: d, CreatedAt: it.CreatedAt})
			}
		}
		if page.Next == "" || len(out) >= maxNearby {
			break
		}
		q.After = page.Next
	}
	sortByDistance(out)
	return out[:min(len(out), maxNearby)], nil
}

func ptrs[T any](xs []T) []*T {
	out := make([]*T, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}

// Owned is the case when the requester may see it (the owner, or someone
// giving the email, postcode or phone they reported with); ErrNotFound
// otherwise. Unlike Track it counts no interaction: it is for settings
// about the case (a device following it), not a look at it.
func (s *Service) Owned(ctx context.Context, rq Requester, ref string) (*Case, error) {
	c, err := s.caseByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !c.owns(rq) {
		return nil, ErrNotFound
	}
	return c, nil
}
