package main

import (
	"context"
	"fmt"
	"net"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"frontdoor/api"
	"frontdoor/api/auth"
	"frontdoor/api/notify"
	"frontdoor/api/push"
	"frontdoor/locales"
)

// buildNotify wires Web Push and notifications: email over SMTP or GOV.UK
// Notify, SMS over GOV.UK Notify, and, in development with neither, the
// development outbox (GET /api/v1/dev/messages). Production with no email
// channel is refused in config.
func (m *Main) buildNotify(ctx context.Context, bundle *i18n.Bundle, metrics *api.Metrics, deps *api.Deps) error {
	var err error
	m.push, err = push.New(ctx, m.db, m.outbox, push.Options{
		Subject: cmpOr(m.cfg.VAPIDSubject, "mailto:frontdoor@localhost"), AllowedHosts: m.cfg.PushHosts,
		AllowLoopbackHTTP: !m.cfg.Production(), Logger: m.logger, Observe: metrics.PushOutcome,
		OnUndeliverable: func(ctx context.Context, sub *push.Subscription, msg push.Message) error {
			if sub.Resident == "" || msg.Ref == "" {
				return nil // a device following one case: nothing else to fall back to
			}
			return m.notify.Undeliverable(ctx, sub.Resident, msg.Ref)
		},
	})
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	opts := notify.Options{Push: notify.WebPush{Push: m.push}, Users: notify.AccountUsers{Users: lateUsers{m}}, Logger: m.logger,
		Localize: func(lang, id string, data map[string]any) string { return locales.Localize(bundle, lang, id, data) }}
	if opts.Email, opts.SMS, err = m.channels(); err != nil {
		return err
	}
	if opts.Email == nil && !m.cfg.Production() {
		deps.DevMessages = auth.NewDevOutbox(0, nil)
		dev := notify.DevMessages{Outbox: deps.DevMessages}
		opts.Email = dev
		if opts.SMS == nil {
			opts.SMS = dev
		}
	}
	m.notify, err = notify.New(ctx, m.db, m.outbox, opts)
	deps.Push, deps.Notify = m.push, m.notify
	return err
}

// channels are the configured email and SMS senders; nil when none.
func (m *Main) channels() (email notify.EmailSender, sms notify.SMSSender, err error) {
	if c := m.cfg.SMTP; c.Addr != "" {
		host, _, _ := net.SplitHostPort(c.Addr)
		email = &notify.SMTP{Addr: c.Addr, Username: c.Username, Password: c.Password, From: c.From,
			AllowPlain: !m.cfg.Production() && isLoopback(host)}
	}
	if c := m.cfg.GovNotify; c.APIKey != "" {
		g, err := notify.NewGovNotify(notify.GovNotify{BaseURL: c.URL, APIKey: c.APIKey, EmailTemplateID: c.EmailTemplate, SMSTemplateID: c.SMSTemplate})
		if err != nil {
			return nil, nil, &ConfigError{"FRONTDOOR_NOTIFY_API_KEY", err.Error()}
		}
		if c.SMSTemplate != "" {
			sms = g
		}
		if email == nil && c.EmailTemplate != "" {
			email = g
		}
	}
	return email, sms, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// lateUsers reads accounts through the auth service, which is built after
// notifications (it sends its codes through them).
type lateUsers struct{ m *Main }

func (u lateUsers) GetUser(ctx context.Context, id string) (*auth.User, error) {
	return u.m.auth.GetUser(ctx, id)
}
