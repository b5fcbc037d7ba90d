package notify

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// Outbox job kinds.
const (
	KindDeliverJob  = "notify.deliver"  // routes one event
	KindEmailJob    = "notify.email"    // sends one email
	KindSMSJob      = "notify.sms"      // sends one text message
	KindFallbackJob = "notify.fallback" // an undeliverable push, by email or SMS instead
	KindAlertJob    = "notify.alert"    // streams one alert to its area
)

// MaxKeyLen bounds Event.Key, leaving room for the job kinds' prefixes
// within the outbox's key limit.
const MaxKeyLen = 150

// Field names the service filters on.
const (
	fieldTopic     = "topic"
	fieldArea      = "area"
	fieldResident  = "resident"
	fieldExpiresAt = "expires_at"
)

var (
	prefsSpec = store.CollectionSpec{Name: "notify_preferences"}
	// One document per resident, topic and area they follow: what an alert
	// streams, in resident order.
	membersSpec = store.CollectionSpec{Name: "notify_area_members", Indexes: []store.IndexSpec{
		{Name: "notify_members_topic_area_resident", Fields: []string{fieldTopic, fieldArea, fieldResident}, Unique: true},
		{Name: "notify_members_resident", Fields: []string{fieldResident}},
	}}
	// Events sent by push, kept for a while so an undeliverable push can
	// still go by email or SMS.
	eventsSpec = store.CollectionSpec{Name: "notify_events", Indexes: []store.IndexSpec{
		{Name: "notify_events_expires", Fields: []string{fieldExpiresAt}, TTL: true},
	}}
	alertsSpec = store.CollectionSpec{Name: "notify_alerts"}
)

// Service holds the use cases. Build it with New before the outbox starts.
type Service struct {
	db      *store.DB
	ob      *outbox.Outbox
	opts    Options
	log     *slog.Logger
	prefs   *store.Collection[prefsRecord, *prefsRecord]
	members *store.Collection[memberRecord, *memberRecord]
	events  *store.Collection[eventRecord, *eventRecord]
	alerts  *store.Collection[alertRecord, *alertRecord]

	// afterPage, when set (tests), runs after each committed page of an alert.
	afterPage func(ctx context.Context, a *alertRecord)
}

// New opens the collections and registers the outbox handlers, so call it
// before ob.Start. At least one of Push, Email and SMS is required, and so
// are Users and Localize.
func New(ctx context.Context, db *store.DB, ob *outbox.Outbox, opts Options) (*Service, error) {
	switch {
	case db == nil || ob == nil:
		return nil, errors.New("notify: New needs a store and an outbox")
	case opts.Push == nil && opts.Email == nil && opts.SMS == nil:
		return nil, errors.New("notify: no channel: configure push, email or SMS")
	case opts.Users == nil || opts.Localize == nil:
		return nil, errors.New("notify: New needs Users and Localize")
	case opts.AlertPageSize < 0 || opts.AlertPageSize > store.MaxLimit:
		return nil, fmt.Errorf("notify: AlertPageSize %d: want 1 to %d", opts.AlertPageSize, store.MaxLimit)
	}
	if opts.AlertPageSize == 0 {
		opts.AlertPageSize = store.MaxLimit
	}
	if opts.KeepEvents <= 0 {
		opts.KeepEvents = 7 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, ob: ob, opts: opts, log: opts.Logger.With("component", "notify")}
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	ob.Register(KindDeliverJob, s.deliver)
	ob.Register(KindEmailJob, s.sendEmailJob)
	ob.Register(KindSMSJob, s.sendSMSJob)
	ob.Register(KindFallbackJob, s.fallback)
	ob.Register(KindAlertJob, s.streamAlert)
	return s, nil
}

func (s *Service) open(ctx context.Context) error {
	var err error
	if s.prefs, err = store.Open[prefsRecord](ctx, s.db, prefsSpec); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if s.members, err = store.Open[memberRecord](ctx, s.db, membersSpec); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if s.events, err = store.Open[eventRecord](ctx, s.db, eventsSpec); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if s.alerts, err = store.Open[alertRecord](ctx, s.db, alertsSpec); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// now is the injected clock at the store's precision.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// deliverJob is the payload of a notify.deliver job. An alert's events
// carry the alert's id instead of its words, which are read when the job
// runs: a large alert then costs a few bytes per resident.
type deliverJob struct {
	Event Event  `json:"event"`
	Alert string `json:"alert,omitempty"`
}

// Notify queues ev in the caller's transaction (ctx); a job renders and
// routes it. A key already queued makes this a no-op. A malformed event is
// ErrBadEvent: events are built by code, not typed by people.
func (s *Service) Notify(ctx context.Context, ev Event) error {
	if ev.Topic == "" {
		ev.Topic = TopicOf(ev.Kind)
	}
	if err := checkEvent(ev); err != nil {
		return err
	}
	if err := checkNeeds(ev); err != nil {
		return err
	}
	ev.To = normalRecipient(ev.To)
	return s.ob.Enqueue(ctx, KindDeliverJob, "notify:"+ev.Key, deliverJob{Event: ev})
}

// hashID makes a bounded document id of a key of any text.
func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h.Sum(nil)[:20])
}

// validID accepts the ids accounts and alerts have: printable ASCII, no spaces.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}
