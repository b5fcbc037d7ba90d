package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdoor/api/internal/netguard"
	"frontdoor/api/store"
)

// Fields a connector may receive: the kinds of change it is told about.
var ConnectorFields = []string{KindAddress, KindName, KindContact, KindDeceased}

const (
	maxConnectorName = 100
	maxURL           = 2000
	maxPattern       = 200
	maxReferenceLen  = 128
	defaultRefLen    = 64
	maxConnectors    = 1000
)

var connectorKey = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// Names are a connector's names in each language; English is required and
// stands in for any other that is missing.
type Names struct {
	EN string `json:"en"`
	CY string `json:"cy,omitempty"`
	PL string `json:"pl,omitempty"`
	AR string `json:"ar,omitempty"`
}

// In returns the name in lang, or the English one.
func (n Names) In(lang string) string {
	v := map[string]string{"cy": n.CY, "pl": n.PL, "ar": n.AR}[lang]
	if v == "" {
		return n.EN
	}
	return v
}

// Connector is how Frontdoor tells a linked service about changes: a signed
// webhook. The signing secret is never part of it (see CreateConnector).
type Connector struct {
	store.Meta
	Key    string   `json:"key"`
	Names  Names    `json:"names"`
	URL    string   `json:"url"`
	Fields []string `json:"fields"`
	// ReferencePattern, when set, is a regular expression a resident's
	// reference must match in full; ReferenceMaxLen bounds its length.
	ReferencePattern string    `json:"reference_pattern,omitempty"`
	ReferenceMaxLen  int       `json:"reference_max_len"`
	Disabled         bool      `json:"disabled"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// connectorRecord is a Connector as stored. The secret is kept as it was
// made, not hashed: we must sign every delivery with it, so it has to be
// readable. Guard the database accordingly; rotate by creating a new
// connector key if it ever leaks.
type connectorRecord struct {
	Connector
	Secret string `json:"secret"`
}

// Receives says whether the connector is told about changes of kind.
func (c *Connector) Receives(kind string) bool { return slices.Contains(c.Fields, kind) }

// ConnectorPatch changes the fields that are set.
type ConnectorPatch struct {
	Names            *Names    `json:"names,omitempty"`
	URL              *string   `json:"url,omitempty"`
	Fields           *[]string `json:"fields,omitempty"`
	ReferencePattern *string   `json:"reference_pattern,omitempty"`
	ReferenceMaxLen  *int      `json:"reference_max_len,omitempty"`
	Disabled         *bool     `json:"disabled,omitempty"`
}

// CreateConnector registers a connector and returns it with its signing
// secret (64 hex characters from 32 random bytes), which is shown this once.
func (s *Service) CreateConnector(ctx context.Context, c Connector) (*Connector, string, error) {
	now := s.now()
	c.Meta = store.Meta{}
	c.CreatedAt, c.UpdatedAt = now, now
	c.Fields = slices.Clone(c.Fields)
	if c.ReferenceMaxLen == 0 {
		c.ReferenceMaxLen = defaultRefLen
	}
	if err := c.Validate(s.opts.AllowLoopbackHTTP); err != nil {
		return nil, "", err
	}
	if _, err := s.connectors.FindOne(ctx, store.Eq(fieldKey, c.Key)); err == nil {
		return nil, "", &ConflictError{Pointer: "/key", ID: MsgConnectorKeyInUse}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, "", err
	}
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	rec := &connectorRecord{Connector: c, Secret: hex.EncodeToString(b[:])}
	if err := s.connectors.Insert(ctx, rec); errors.Is(err, store.ErrDuplicate) {
		return nil, "", &ConflictError{Pointer: "/key", ID: MsgConnectorKeyInUse}
	} else if err != nil {
		return nil, "", err
	}
	return &rec.Connector, rec.Secret, nil
}

// ListConnectors returns every connector, disabled ones included, by key.
func (s *Service) ListConnectors(ctx context.Context) ([]Connector, error) {
	recs, err := collect(ctx, s.connectors, store.Query{Sort: fieldKey, Limit: store.MaxLimit}, maxConnectors)
	if err != nil {
		return nil, err
	}
	out := make([]Connector, len(recs))
	for i := range recs {
		out[i] = recs[i].Connector
	}
	return out, nil
}

// UpdateConnector changes a connector; its key and secret stay.
func (s *Service) UpdateConnector(ctx context.Context, key string, p ConnectorPatch) (*Connector, error) {
	var out *Connector
	err := retryConflicts(ctx, func() error {
		rec, err := s.connector(ctx, key)
		if err != nil {
			return err
		}
		p.apply(&rec.Connector)
		if err := rec.Validate(s.opts.AllowLoopbackHTTP); err != nil {
			return err
		}
		rec.UpdatedAt = s.now()
		if err := s.connectors.Replace(ctx, rec); err != nil {
			return err
		}
		out = &rec.Connector
		return nil
	})
	return out, err
}

// DisableConnector stops new links and deliveries to a connector; jobs
// already queued for it fail, for staff to retry once it is enabled again.
func (s *Service) DisableConnector(ctx context.Context, key string) (*Connector, error) {
	yes := true
	return s.UpdateConnector(ctx, key, ConnectorPatch{Disabled: &yes})
}

func (s *Service) connector(ctx context.Context, key string) (*connectorRecord, error) {
	if !connectorKey.MatchString(key) {
		return nil, ErrNotFound
	}
	return s.connectors.FindOne(ctx, store.Eq(fieldKey, key))
}

func (p *ConnectorPatch) apply(c *Connector) {
	if p.Names != nil {
		c.Names = *p.Names
	}
	if p.URL != nil {
		c.URL = *p.URL
	}
	if p.Fields != nil {
		c.Fields = slices.Clone(*p.Fields)
	}
	if p.ReferencePattern != nil {
		c.ReferencePattern = *p.ReferencePattern
	}
	if p.ReferenceMaxLen != nil {
		c.ReferenceMaxLen = *p.ReferenceMaxLen
	}
	if p.Disabled != nil {
		c.Disabled = *p.Disabled
	}
}

// Validate checks a connector; loopback says whether http to loopback
// hosts is allowed (development).
func (c *Connector) Validate(loopback bool) error {
	var ck checker
	if !connectorKey.MatchString(c.Key) {
		ck.Add("/key", MsgConnectorKeyInvalid)
	}
	ck.text("/names/en", &c.Names.EN, maxConnectorName, true)
	ck.text("/names/cy", &c.Names.CY, maxConnectorName, false)
	ck.text("/names/pl", &c.Names.PL, maxConnectorName, false)
	ck.text("/names/ar", &c.Names.AR, maxConnectorName, false)
	if id := checkWebhookURL(c.URL, loopback); id != "" {
		ck.Add("/url", id)
	}
	if len(c.Fields) == 0 {
		ck.Add("/fields", MsgRequired)
	}
	checkList(&ck, "/fields", c.Fields, ConnectorFields, len(ConnectorFields))
	if c.ReferencePattern != "" {
		if len(c.ReferencePattern) > maxPattern {
			ck.AddCount("/reference_pattern", MsgTooLong, maxPattern)
		} else if _, err := regexp.Compile(c.ReferencePattern); err != nil {
			ck.Add("/reference_pattern", MsgPatternInvalid)
		}
	}
	if c.ReferenceMaxLen < 1 || c.ReferenceMaxLen > maxReferenceLen {
		ck.Add("/reference_max_len", MsgNotAllowed)
	}
	return ck.Err()
}

// checkWebhookURL returns the message id of what is wrong with u, or "".
// Only https, except http to a loopback host when loopback is allowed. No
// credentials or fragments, and no literal addresses that cannot be public
// (the dialer checks again after every DNS lookup).
func checkWebhookURL(raw string, loopback bool) string {
	if raw == "" {
		return MsgRequired
	}
	u, err := url.Parse(raw)
	if len(raw) > maxURL || err != nil || !printable(raw) || u.Host == "" || u.User != nil ||
		u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(raw, " \\") {
		return MsgURLInvalid
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return MsgURLInvalid
		}
	}
	host := u.Hostname()
	isLoop := host == "localhost" || host == "127.0.0.1" || host == "::1"
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback && isLoop:
	default:
		return MsgURLNotHTTPS
	}
	if a, err := netip.ParseAddr(host); err == nil && !netguard.Allowed(a, loopback) {
		return MsgURLInvalid
	}
	return ""
}
