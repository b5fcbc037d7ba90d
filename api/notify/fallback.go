package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// eventRecord is an event sent by push, kept until ExpiresAt so that a
// push that reaches no device can go by email or SMS instead.
type eventRecord struct {
	store.Meta
	Key      string `json:"key"`
	Resident string `json:"resident"`
	// Job is the deliver job's payload as JSON text (engines differ on
	// nested documents; text comes back as it went in).
	Job string `json:"job"`
	// Other says the event also went by email or SMS: nothing to fall back to.
	Other     bool      `json:"other,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// fallbackJob is the payload of a notify.fallback job.
type fallbackJob struct {
	Ref string `json:"ref"`
}

// keepEvent stores a pushed event, once, in ctx's transaction.
func (s *Service) keepEvent(ctx context.Context, p deliverJob, ev Event, r route) error {
	id := hashID(ev.Key)
	if _, err := s.events.Get(ctx, id); err == nil {
		return nil // a rerun of a job that got this far
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	job, err := json.Marshal(p)
	if err != nil {
		return err
	}
	rec := &eventRecord{Meta: store.Meta{ID: id}, Key: ev.Key, Resident: ev.To.Resident, Job: string(job),
		Other: r.email != "" || r.phone != "", ExpiresAt: s.now().Add(s.opts.KeepEvents)}
	return s.events.Insert(ctx, rec)
}

// Undeliverable says a push for the resident could not reach a device; ref
// is the event's key (PushMessage.Ref). The event then goes by email, else
// SMS, once however many devices fail. An event unknown, expired, someone
// else's or already sent by email or SMS needs nothing, and is no error.
// Call it in the transaction that records the failure, if there is one.
func (s *Service) Undeliverable(ctx context.Context, resident, ref string) error {
	if !validID(resident) {
		return ErrBadResident
	}
	if !validKey(ref) {
		return fmt.Errorf("%w: ref", ErrBadEvent)
	}
	rec, err := s.events.Get(ctx, hashID(ref))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if rec.Resident != resident || rec.Key != ref || rec.Other {
		return nil
	}
	// Devices fail together: two calls racing meet at the outbox's unique
	// key, and the loser's retry finds the job queued and does nothing.
	for range 3 {
		err = s.db.Tx(ctx, func(ctx context.Context) error {
			return s.ob.Enqueue(ctx, KindFallbackJob, KindFallbackJob+":"+ref, fallbackJob{Ref: ref})
		})
		if !errors.Is(err, store.ErrDuplicate) {
			break
		}
	}
	return err
}

// fallback is the notify.fallback job: the kept event, rendered again, to
// the resident's verified email or else phone. Its email and SMS jobs have
// the same keys as those of the first delivery, so nobody hears twice.
func (s *Service) fallback(ctx context.Context, job outbox.Job) error {
	var f fallbackJob
	if err := json.Unmarshal(job.Payload, &f); err != nil {
		return outbox.Permanent(errUnreadable)
	}
	rec, err := s.events.Get(ctx, hashID(f.Ref))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var p deliverJob
	if err := json.Unmarshal([]byte(rec.Job), &p); err != nil {
		return outbox.Permanent(errUnreadable)
	}
	ev, err := s.withAlert(ctx, p)
	if err != nil {
		return ignoreGone(err)
	}
	r, err := s.fallbackRoute(ctx, ev)
	if err != nil {
		return ignoreGone(err)
	}
	if r.none() {
		s.log.Info("push fell back to no channel", "kind", ev.Kind)
		return nil
	}
	msg := s.render(r.lang, ev, r.account)
	s.log.Info("push fell back", "kind", ev.Kind, "email", r.email != "", "sms", r.phone != "")
	return s.db.Tx(ctx, func(ctx context.Context) error { return s.enqueueMessages(ctx, ev.Key, r, msg) })
}

// ignoreGone ends a job quietly when what it was about (an account, an
// alert) has been removed.
func ignoreGone(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (s *Service) fallbackRoute(ctx context.Context, ev Event) (route, error) {
	email, phone, lang, err := s.opts.Users.Contact(ctx, ev.To.Resident)
	if err != nil {
		return route{}, err
	}
	r := route{lang: pickLanguage(lang, ev.To.Language), account: true}
	r.email, r.phone = s.spare(email, phone)
	return r, nil
}

// sendTimeout bounds one sign-in code message when the caller set no deadline.
const sendTimeout = 20 * time.Second

// Send delivers a sign-in or verification code message straight to the
// address or number in m, by email or SMS as m.Channel says, ignoring
// preferences (auth.Notifier). Its contents are never logged.
func (s *Service) Send(ctx context.Context, m auth.Message) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sendTimeout)
		defer cancel()
	}
	switch m.Channel {
	case auth.MessageEmail:
		to, ok := auth.NormalizeEmail(m.To)
		if !ok || m.Body == "" {
			return fmt.Errorf("%w: code message needs an address and a body", ErrBadEvent)
		}
		if s.opts.Email == nil {
			return ErrNoChannel
		}
		return s.opts.Email.SendEmail(ctx, to, m.Subject, m.Body)
	case auth.MessageSMS:
		to, ok := auth.NormalizePhone(m.To)
		if !ok || m.Body == "" {
			return fmt.Errorf("%w: code message needs a number and a body", ErrBadEvent)
		}
		if s.opts.SMS == nil {
			return ErrNoChannel
		}
		return s.opts.SMS.SendSMS(ctx, to, m.Body)
	}
	return fmt.Errorf("%w: channel %q", ErrBadEvent, m.Channel)
}
