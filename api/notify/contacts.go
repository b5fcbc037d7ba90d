package notify

import (
	"context"
	"fmt"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

// AccountUsers gives Users from the accounts auth keeps (auth.Service
// satisfies GetUser): only verified contacts, nothing for a disabled account.
type AccountUsers struct {
	Users interface {
		GetUser(ctx context.Context, id string) (*auth.User, error)
	}
}

// Contact returns the account's verified email and phone and its language;
// a disabled account is store.ErrNotFound, as if it were gone.
func (a AccountUsers) Contact(ctx context.Context, resident string) (email, phone, lang string, err error) {
	u, err := a.Users.GetUser(ctx, resident)
	if err != nil {
		return "", "", "", err
	}
	if u.Disabled {
		return "", "", "", fmt.Errorf("notify: account disabled: %w", store.ErrNotFound)
	}
	if u.EmailVerified {
		email = u.Email
	}
	if u.PhoneVerified {
		phone = u.Phone
	}
	return email, phone, u.Language, nil
}

// DevMessages keeps email and SMS in the development outbox that
// GET /api/v1/dev/messages shows, instead of sending them. Never in production.
type DevMessages struct{ Outbox *auth.DevOutbox }

func (d DevMessages) SendEmail(ctx context.Context, to, subject, body string) error {
	return d.Outbox.Send(ctx, auth.Message{To: to, Channel: auth.MessageEmail, Subject: subject, Body: body})
}

func (d DevMessages) SendSMS(ctx context.Context, to, body string) error {
	return d.Outbox.Send(ctx, auth.Message{To: to, Channel: auth.MessageSMS, Body: body})
}
