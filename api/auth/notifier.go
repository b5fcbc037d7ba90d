package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
)

// Contacts and the messages sent to them: how an address or number typed by
// a person is checked and normalized, and the notifier codes go out through.

// Message is one email or text message to a person. Bodies hold one-time
// codes: they are never logged.
type Message struct {
	To      string    `json:"to"`      // a normalized email address or E.164 number
	Channel string    `json:"channel"` // MessageEmail or MessageSMS
	Subject string    `json:"subject"` // empty for SMS
	Body    string    `json:"body"`
	SentAt  time.Time `json:"sent_at"`
}

// Message channels.
const (
	MessageEmail = "email"
	MessageSMS   = "sms"
)

// Notifier delivers messages. The notifications work replaces the
// development outbox with real email and SMS behind the same interface.
type Notifier interface {
	Send(ctx context.Context, m Message) error
}

// Localize renders a go-i18n message in a language (en, cy, pl, ar). The
// service gets it from the wiring, so codes reach people in their language.
type Localize func(lang, messageID string, data map[string]any) string

// Message ids of what the service sends. {{.Code}} is the six-digit code.
const (
	MsgVerifyCodeSubject       = "VerifyCodeSubject"
	MsgVerifyCodeBody          = "VerifyCodeBody"
	MsgSignInCodeSubject       = "SignInCodeSubject"
	MsgSignInCodeBody          = "SignInCodeBody"
	MsgRegisterExistingSubject = "RegisterExistingSubject"
	MsgRegisterExistingBody    = "RegisterExistingBody"
)

// DefaultDevOutboxSize is how many messages a DevOutbox keeps.
const DefaultDevOutboxSize = 500

// DevOutbox is the development-mode notifier: it sends nothing and keeps the
// last messages in memory for GET /api/v1/dev/messages. Production must not
// use it (it holds live sign-in codes for anyone who can read it).
type DevOutbox struct {
	now  func() time.Time
	mu   sync.Mutex
	ring []Message // a ring buffer: next is the oldest once full
	next int
	full bool
}

// NewDevOutbox keeps the last size messages (DefaultDevOutboxSize when size
// is not positive); now stamps messages that arrive without SentAt.
func NewDevOutbox(size int, now func() time.Time) *DevOutbox {
	if size <= 0 {
		size = DefaultDevOutboxSize
	}
	if now == nil {
		now = time.Now
	}
	return &DevOutbox{now: now, ring: make([]Message, size)}
}

var errMessageIncomplete = errors.New("auth: message needs a recipient, a channel and a body")

// Send keeps m, forgetting the oldest message when full.
func (d *DevOutbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.To == "" || m.Body == "" || (m.Channel != MessageEmail && m.Channel != MessageSMS) {
		return errMessageIncomplete
	}
	if m.SentAt.IsZero() {
		m.SentAt = d.now().UTC()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ring[d.next] = m
	d.next = (d.next + 1) % len(d.ring)
	d.full = d.full || d.next == 0
	return nil
}

// Messages lists the messages kept for to, newest first; all of them when to
// is empty. to is normalized like a contact ("07700 900123" finds
// "+447700900123"), so a developer may type it either way.
func (d *DevOutbox) Messages(to string) []Message {
	to = devRecipient(to)
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.next
	if d.full {
		n = len(d.ring)
	}
	out := []Message{}
	for i := 1; i <= n; i++ {
		m := d.ring[(d.next-i+len(d.ring))%len(d.ring)]
		if to == "" || m.To == to {
			out = append(out, m)
		}
	}
	return out
}

func devRecipient(to string) string {
	to = strings.TrimSpace(to)
	if e, ok := NormalizeEmail(to); ok {
		return e
	}
	if p, ok := NormalizePhone(to); ok {
		return p
	}
	return to
}

// send localizes and sends one message to the contact.
func (s *Service) send(ctx context.Context, nc normalContact, lang, subjectID, bodyID string, data map[string]any) error {
	m := Message{To: nc.value, Channel: nc.channel(), Body: s.local(lang, bodyID, data), SentAt: s.clock()}
	if m.Channel == MessageEmail {
		m.Subject = s.local(lang, subjectID, data)
	}
	if err := s.notify.Send(ctx, m); err != nil {
		return fmt.Errorf("auth: send %s: %w", bodyID, err)
	}
	return nil
}

// spendIP counts a request that sends a message against the address's
// attempt budget, so one client cannot send codes to thousands of numbers.
func (s *Service) spendIP(ctx context.Context, ip string) error {
	if ip == "" {
		return nil
	}
	if _, err := s.guard.ThrottleCheck(ctx, "", ip); err != nil {
		return err
	}
	return s.guard.ThrottleFail(ctx, "", ip)
}

// Contact is an email address or a phone number as a person typed it, from
// a request body {"email"} or {"phone"}: exactly one is set.
type Contact struct {
	Email string
	Phone string
}

// normalContact is a checked contact: field is "email" or "phone" (the
// store field), value its normal form.
type normalContact struct {
	field, value string
}

// channel is how messages reach the contact.
func (n normalContact) channel() string {
	if n.field == userFieldEmail {
		return MessageEmail
	}
	return MessageSMS
}

// normalize checks the contact into c and returns its normal form.
func (ct Contact) normalize(c *userChecker) (normalContact, bool) {
	email, phone := strings.TrimSpace(ct.Email), strings.TrimSpace(ct.Phone)
	switch {
	case (email == "") == (phone == ""):
		c.Add("", MsgContactExactlyOne)
	case email != "":
		if e, ok := NormalizeEmail(email); ok {
			return normalContact{userFieldEmail, e}, true
		}
		c.Add("/email", MsgEmailInvalid)
	default:
		p, ok := NormalizePhone(phone)
		switch {
		case !ok:
			c.Add("/phone", MsgPhoneInvalid)
		case !canText(p):
			c.Add("/phone", MsgPhoneNotMobile)
		default:
			return normalContact{userFieldPhone, p}, true
		}
	}
	return normalContact{}, false
}

// canText refuses UK numbers that are not mobiles: codes go by SMS, which
// landlines do not receive. Other countries' numbers cannot be told apart.
func canText(e164 string) bool {
	return !strings.HasPrefix(e164, "+44") || strings.HasPrefix(e164, "+447")
}

// NormalizeEmail checks an address (a bare addr-spec, printable ASCII, no
// quoted local part or IP-literal domain, a domain of DNS labels) and
// returns it in lower case, the form it is stored and looked up in.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > maxEmailLen || strings.Count(s, "@") != 1 || strings.ContainsAny(s, "\"[]\\ (),:;<>") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return "", false
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || len(local) > maxEmailLocal || !emailDomain(domain) {
		return "", false
	}
	return s, true
}

func emailDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 || strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if b := l[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
				return false
			}
		}
	}
	return true
}

// NormalizePhone returns a number in E.164 form. UK national numbers
// ("07700 900123") become +44 numbers; others need + or 00 first. Spaces,
// dashes, dots and brackets are ignored, and so is the "(0)" in "+44 (0)7700".
func NormalizePhone(s string) (string, bool) {
	if len(s) > maxPhoneInput {
		return "", false
	}
	drop := func(chars string) func(rune) rune {
		return func(r rune) rune {
			if strings.ContainsRune(chars, r) {
				return -1
			}
			return r
		}
	}
	s = strings.Map(drop(" -.\u00a0"), s)
	s = strings.Map(drop("()"), strings.Replace(s, "+44(0)", "+44", 1))
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = "+" + rest
	}
	var national string
	switch {
	case strings.HasPrefix(s, "+44"):
		national = s[3:]
	case strings.HasPrefix(s, "+"):
		d := s[1:]
		if !phoneDigits(d) || d[0] == '0' || len(d) < 8 || len(d) > 15 {
			return "", false
		}
		return s, true
	case strings.HasPrefix(s, "0"):
		national = s[1:]
	default:
		return "", false
	}
	// A UK number has 10 digits after the 0 (a few areas have 9; mobiles never).
	if !phoneDigits(national) || !strings.ContainsRune("1235789", rune(national[0])) ||
		(len(national) != 10 && (len(national) != 9 || national[0] == '7')) {
		return "", false
	}
	return "+44" + national, true
}

func phoneDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
