package cases

import (
	"context"
	"errors"
	"net/url"

	"frontdoor/api/auth"
)

// Messenger tells people about their cases by email or text, in the case's
// language, through an auth.Notifier (the channel sign-in codes use). Push
// and a choice of channel come with the notifications work; until then this
// is what Options.Notify is given.
type Messenger struct {
	Users interface {
		GetUser(ctx context.Context, id string) (*auth.User, error)
	}
	Send     auth.Notifier
	Localize func(lang, id string, data map[string]any) string
	BaseURL  string // links in messages point at BaseURL/track?ref=
}

// Notify sends one message per recipient; a failure is retried by the
// outbox (a recipient already sent to may then hear twice, never not at all).
func (m Messenger) Notify(ctx context.Context, n Notice) error {
	text := func(id string, data map[string]any) string { return m.Localize(n.Language, id, data) }
	data := map[string]any{"Reference": n.Reference,
		"Update": EventText(Event{Kind: n.Kind, Status: n.Status, Text: n.Text}, text),
		"URL":    m.BaseURL + "/track?ref=" + url.QueryEscape(n.Reference)}
	subject, body := text("CaseNoticeSubject", data), text("CaseNoticeBody", data)
	var errs []error
	for _, to := range m.recipients(ctx, n) {
		msg := auth.Message{To: to, Channel: auth.MessageEmail, Subject: subject, Body: body}
		if to[0] == '+' {
			msg.Channel, msg.Subject = auth.MessageSMS, ""
		}
		errs = append(errs, m.Send.Send(ctx, msg))
	}
	return errors.Join(errs...)
}

// recipients are the contact given on the case, and the verified email (or
// else phone) of the owner and of each follower.
func (m Messenger) recipients(ctx context.Context, n Notice) []string {
	var out []string
	if ct := n.Contact; ct != nil {
		if ct.Email != "" {
			out = append(out, ct.Email)
		} else if ct.Phone != "" {
			out = append(out, ct.Phone)
		}
	}
	for _, id := range append([]string{n.Owner}, n.Followers...) {
		if id == "" {
			continue
		}
		u, err := m.Users.GetUser(ctx, id)
		switch {
		case err != nil || u.Disabled:
		case u.Email != "" && u.EmailVerified:
			out = append(out, u.Email)
		case u.Phone != "" && u.PhoneVerified:
			out = append(out, u.Phone)
		}
	}
	return out
}
