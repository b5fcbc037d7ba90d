package catalogue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"frontdoor/api/store"
)

// Options configure a Catalogue; zero values take the defaults.
type Options struct {
	Now func() time.Time
}

// Catalogue holds the use cases over services, their form versions and teams.
type Catalogue struct {
	db       *store.DB
	services *store.Collection[Service, *Service]
	forms    *store.Collection[formVersion, *formVersion]
	teams    *store.Collection[Team, *Team]
	opts     Options
}

// formVersion keeps one version of a service's form for as long as cases
// made with it may be read. Number is the form version (the store owns
// "version").
type formVersion struct {
	store.Meta
	Service   string     `json:"service"`
	Number    int        `json:"number"`
	Questions []Question `json:"questions"`
	CreatedAt time.Time  `json:"created_at"`
}

// Field names the catalogue filters on.
const (
	fieldCode    = "code"
	fieldKey     = "key"
	fieldService = "service"
	fieldNumber  = "number"
)

var (
	serviceSpec = store.CollectionSpec{Name: "services", Indexes: []store.IndexSpec{
		{Name: "services_code", Fields: []string{fieldCode}, Unique: true},
	}}
	formVersionSpec = store.CollectionSpec{Name: "form_versions", Indexes: []store.IndexSpec{
		{Name: "form_versions_service_number", Fields: []string{fieldService, fieldNumber}, Unique: true},
	}}
	teamSpec = store.CollectionSpec{Name: "teams", Indexes: []store.IndexSpec{
		{Name: "teams_key", Fields: []string{fieldKey}, Unique: true},
	}}
)

// maxListed bounds what Services and Teams read: a council has a few
// hundred services at most.
const maxListed = 10000

// New opens the catalogue's collections.
func New(ctx context.Context, db *store.DB, opts Options) (*Catalogue, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Catalogue{db: db, opts: opts}
	var err error
	if c.services, err = store.Open[Service](ctx, db, serviceSpec); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	if c.forms, err = store.Open[formVersion](ctx, db, formVersionSpec); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	if c.teams, err = store.Open[Team](ctx, db, teamSpec); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return c, nil
}

// now is the injected clock at the store's precision.
func (c *Catalogue) now() time.Time { return c.opts.Now().UTC().Truncate(time.Millisecond) }

// Services lists the catalogue, sorted by group and then code; retired
// services only when asked.
func (c *Catalogue) Services(ctx context.Context, includeRetired bool) ([]*Service, error) {
	all, err := collect(ctx, c.services)
	if err != nil {
		return nil, fmt.Errorf("catalogue: services: %w", err)
	}
	out := make([]*Service, 0, len(all))
	for i := range all {
		if includeRetired || !all[i].Retired {
			out = append(out, &all[i])
		}
	}
	slices.SortFunc(out, func(a, b *Service) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}

// Service returns the service with code, retired or not; ErrNotFound when
// there is none (a malformed code included).
func (c *Catalogue) Service(ctx context.Context, code string) (*Service, error) {
	if !validKey(code) {
		return nil, ErrNotFound
	}
	return c.services.FindOne(ctx, store.Eq(fieldCode, code))
}

// FormVersion returns the form a service had at version, as a case made
// with it needs; ErrNotFound when there was no such version.
func (c *Catalogue) FormVersion(ctx context.Context, code string, version int) (*Form, error) {
	if !validKey(code) || version < 1 {
		return nil, ErrNotFound
	}
	fv, err := c.forms.FindOne(ctx, store.Eq(fieldService, code), store.Eq(fieldNumber, version))
	if err != nil {
		return nil, err
	}
	return &Form{Version: fv.Number, Questions: fv.Questions}, nil
}

// Teams lists every team, sorted by key.
func (c *Catalogue) Teams(ctx context.Context) ([]*Team, error) {
	all, err := collect(ctx, c.teams)
	if err != nil {
		return nil, fmt.Errorf("catalogue: teams: %w", err)
	}
	out := make([]*Team, len(all))
	for i := range all {
		out[i] = &all[i]
	}
	slices.SortFunc(out, func(a, b *Team) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// Team returns the team with key; ErrNotFound when there is none.
func (c *Catalogue) Team(ctx context.Context, key string) (*Team, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	return c.teams.FindOne(ctx, store.Eq(fieldKey, key))
}

// CreateTeam adds a team; a key already taken is a *ConflictError at "/key".
func (c *Catalogue) CreateTeam(ctx context.Context, t Team) (*Team, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	t.Meta = store.Meta{}
	t.CreatedAt = c.now()
	err := c.teams.Insert(ctx, &t)
	if errors.Is(err, store.ErrDuplicate) {
		return nil, &ConflictError{Pointer: "/key", ID: MsgTeamKeyInUse}
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: create team: %w", err)
	}
	return &t, nil
}

// collect reads a whole (small) collection in primary-key order.
func collect[T any, P interface {
	*T
	store.Document
}](ctx context.Context, c *store.Collection[T, P]) ([]T, error) {
	var out []T
	q := store.Query{Limit: store.MaxLimit}
	for {
		page, err := c.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" || len(out) >= maxListed {
			return out, nil
		}
		q.After = page.Next
	}
}
