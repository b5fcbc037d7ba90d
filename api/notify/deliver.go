package notify

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// route is where one event goes: push, and the email address and phone
// number it is sent to ("" for none). spareEmail and sparePhone are the
// fallback for a push that reaches no device after all.
type route struct {
	lang                   string
	account                bool
	push                   bool
	email, phone           string
	spareEmail, sparePhone string
}

func (r route) none() bool { return !r.push && r.email == "" && r.phone == "" }

// messageJob is the payload of an email or SMS job: rendered, so a retry
// sends exactly what the first attempt tried to.
type messageJob struct {
	To      string `json:"to"`
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
}

var errUnreadable = errors.New("notify: unreadable job payload")

// deliver is the notify.deliver job: it routes one event and queues what
// goes out (push messages, the event kept for fallback, email and SMS
// jobs) in one transaction. Logs carry the kind and channels, never who.
func (s *Service) deliver(ctx context.Context, job outbox.Job) error {
	var p deliverJob
	if err := json.Unmarshal(job.Payload, &p); err != nil || checkEvent(p.Event) != nil {
		return outbox.Permanent(errUnreadable)
	}
	ev, err := s.withAlert(ctx, p)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the alert is gone
	}
	if err != nil {
		return err
	}
	r, err := s.route(ctx, ev)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the account is gone
	}
	if err != nil {
		return err
	}
	if r.none() {
		s.log.Info("event reaches no channel", "kind", ev.Kind, "topic", ev.Topic)
		return nil
	}
	msg := s.render(r.lang, ev, r.account)
	return s.db.Tx(ctx, func(ctx context.Context) error { return s.dispatch(ctx, p, ev, r, msg) })
}

// withAlert fills an alert's event with the alert's words.
func (s *Service) withAlert(ctx context.Context, p deliverJob) (Event, error) {
	ev := p.Event
	if p.Alert == "" {
		return ev, nil
	}
	a, err := s.alerts.Get(ctx, p.Alert)
	if err != nil {
		return ev, err
	}
	ev.Data = map[string]any{"Title": a.Title, "Body": a.Body, "Area": a.Area}
	ev.URL = a.URL
	return ev, nil
}

// route applies the resident's preferences: bare contact details get email,
// else SMS; a resident gets the channels chosen for the topic, push only
// with a working device, email and SMS only to verified contacts, and
// email (else SMS) instead of a push that cannot arrive.
func (s *Service) route(ctx context.Context, ev Event) (route, error) {
	to := ev.To
	if to.Resident == "" {
		r := route{lang: pickLanguage("", to.Language)}
		r.email, r.phone = s.spare(to.Email, to.Phone)
		return r, nil
	}
	prefs, err := s.Preferences(ctx, to.Resident)
	if err != nil {
		return route{}, err
	}
	chosen := prefs.Topics[ev.Topic]
	if len(chosen) == 0 {
		return route{}, nil
	}
	email, phone, lang, err := s.opts.Users.Contact(ctx, to.Resident)
	if err != nil {
		return route{}, err
	}
	r := route{lang: pickLanguage(lang, to.Language), account: true}
	if slices.Contains(chosen, ChannelEmail) && s.opts.Email != nil {
		r.email = email
	}
	if slices.Contains(chosen, ChannelSMS) && s.opts.SMS != nil {
		r.phone = phone
	}
	if !slices.Contains(chosen, ChannelPush) {
		return r, nil
	}
	if s.opts.Push != nil {
		n, err := s.opts.Push.Working(ctx, to.Resident)
		if err != nil {
			return route{}, err
		}
		r.push = n > 0
	}
	if r.email == "" && r.phone == "" {
		r.spareEmail, r.sparePhone = s.spare(email, phone)
		if !r.push {
			r.email, r.phone = r.spareEmail, r.sparePhone
		}
	}
	return r, nil
}

// spare picks the one contact a message goes to when the person chose no
// other way: email when there is one and a sender for it, else SMS.
func (s *Service) spare(email, phone string) (string, string) {
	switch {
	case email != "" && s.opts.Email != nil:
		return email, ""
	case phone != "" && s.opts.SMS != nil:
		return "", phone
	}
	return "", ""
}

// dispatch queues everything r says, in ctx's transaction.
func (s *Service) dispatch(ctx context.Context, p deliverJob, ev Event, r route, msg rendered) error {
	if r.push {
		n, err := s.opts.Push.SendToResident(ctx, ev.To.Resident, pushMessage(ev, msg))
		if err != nil {
			return err
		}
		if n == 0 { // the devices went since Working: as if there were none
			r.push = false
			if r.email == "" && r.phone == "" {
				r.email, r.phone = r.spareEmail, r.sparePhone
			}
		} else if err := s.keepEvent(ctx, p, ev, r); err != nil {
			return err
		}
	}
	s.log.Info("event routed", "kind", ev.Kind, "topic", ev.Topic, "push", r.push, "email", r.email != "", "sms", r.phone != "")
	return s.enqueueMessages(ctx, ev.Key, r, msg)
}

func (s *Service) enqueueMessages(ctx context.Context, key string, r route, msg rendered) error {
	if r.email != "" {
		m := messageJob{To: r.email, Subject: msg.Title, Body: msg.Body}
		if err := s.ob.Enqueue(ctx, KindEmailJob, KindEmailJob+":"+key, m); err != nil {
			return err
		}
	}
	if r.phone != "" {
		m := messageJob{To: r.phone, Body: msg.SMS}
		if err := s.ob.Enqueue(ctx, KindSMSJob, KindSMSJob+":"+key, m); err != nil {
			return err
		}
	}
	return nil
}

func pushMessage(ev Event, msg rendered) PushMessage {
	tag := ev.Key
	if ref, ok := ev.Data["Reference"].(string); ok && ref != "" {
		tag = "case:" + ref // a newer message about a case replaces the older
	}
	return PushMessage{Title: msg.Title, Body: msg.Push, URL: ev.URL, Tag: tag, Kind: ev.Kind, Ref: ev.Key}
}

// sendEmailJob and sendSMSJob send one message each. The senders' errors
// decide: outbox.Permanent is dead at once, anything else retried.
func (s *Service) sendEmailJob(ctx context.Context, job outbox.Job) error {
	var m messageJob
	if err := json.Unmarshal(job.Payload, &m); err != nil {
		return outbox.Permanent(errUnreadable)
	}
	if s.opts.Email == nil {
		return outbox.Permanent(ErrNoChannel)
	}
	return s.opts.Email.SendEmail(ctx, m.To, m.Subject, m.Body)
}

func (s *Service) sendSMSJob(ctx context.Context, job outbox.Job) error {
	var m messageJob
	if err := json.Unmarshal(job.Payload, &m); err != nil {
		return outbox.Permanent(errUnreadable)
	}
	if s.opts.SMS == nil {
		return outbox.Permanent(ErrNoChannel)
	}
	return s.opts.SMS.SendSMS(ctx, m.To, m.Body)
}
