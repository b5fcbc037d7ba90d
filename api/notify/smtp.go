package notify

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/outbox"
)

// SMTP sends email through a mail server (RFC 5321) that offers STARTTLS:
// without it neither credentials nor mail are sent, unless AllowPlain,
// which development may set for a server on a loopback address.
type SMTP struct {
	Addr     string // host:port of the server
	Host     string // its name for TLS and AUTH; default Addr's host
	Username string // AUTH PLAIN when set
	Password string
	From     string // "Plymouth Council <noreply@example.gov.uk>" or a bare address
	TLS      *tls.Config
	// AllowPlain lets a server on a loopback address go without STARTTLS.
	AllowPlain bool
	HelloName  string        // the name given in EHLO; default "localhost"
	Timeout    time.Duration // the whole exchange when ctx has no deadline; default 30s
	Now        func() time.Time
}

// ErrNoSTARTTLS: the server did not offer STARTTLS, so nothing was sent.
// It is retried: a server that stopped offering it may be under attack
// (a downgrade) or misconfigured for a while.
var ErrNoSTARTTLS = errors.New("notify: SMTP server does not offer STARTTLS; nothing sent")

// SendEmail sends one plain-text message. Every step shares one deadline
// (ctx's, else Timeout). A 5xx answer is permanent (outbox.Permanent); 4xx
// answers and network failures are retried. Errors name the step and the
// reply code, never the recipient or the server's words (which may echo it).
func (s *SMTP) SendEmail(ctx context.Context, to, subject, body string) error {
	from, host, err := s.check()
	if err != nil {
		return outbox.Permanent(err)
	}
	rcpt, ok := auth.NormalizeEmail(to)
	if !ok {
		return outbox.Permanent(errors.New("notify: smtp: recipient is not an email address"))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg, err := mailMessage{From: *from, To: rcpt, Subject: subject, Body: body,
		Date: now(), MessageID: newMessageID(from.Address)}.Bytes()
	if err != nil {
		return outbox.Permanent(err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmp.Or(s.Timeout, 30*time.Second))
		defer cancel()
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("notify: smtp: connect: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // a cancelled ctx ends a blocked read
	defer stop()
	return s.session(conn, host, from.Address, rcpt, msg)
}

// check reads the configuration: the From address and the server's name.
func (s *SMTP) check() (*mail.Address, string, error) {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, "", fmt.Errorf("notify: smtp: From %q is not an address: %w", s.From, err)
	}
	h, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, "", fmt.Errorf("notify: smtp: Addr %q: want host:port", s.Addr)
	}
	if s.AllowPlain && !loopbackHost(h) {
		return nil, "", fmt.Errorf("notify: smtp: AllowPlain is for a server on a loopback address, not %q", h)
	}
	if s.Host != "" {
		h = s.Host
	}
	return from, h, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// session speaks SMTP on conn: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT.
func (s *SMTP) session(conn net.Conn, host, from, to string, msg []byte) error {
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return step("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(cmp.Or(s.HelloName, "localhost")); err != nil {
		return step("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(s.tlsConfig(host)); err != nil {
			return step("STARTTLS", err)
		}
	} else if !s.AllowPlain {
		return ErrNoSTARTTLS
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("notify: smtp: server does not offer AUTH; credentials not sent")
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return step("AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return step("MAIL", err)
	}
	if err := c.Rcpt(to); err != nil {
		return step("RCPT", err)
	}
	w, err := c.Data()
	if err != nil {
		return step("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return step("DATA", err)
	}
	if err := w.Close(); err != nil {
		return step("DATA", err) // the server's verdict on the message
	}
	return step("QUIT", c.Quit())
}

func (s *SMTP) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{}
	if s.TLS != nil {
		cfg = s.TLS.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	return cfg
}

// step names a failed step by its reply code only: 5xx is permanent.
func step(name string, err error) error {
	if err == nil {
		return nil
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		e := fmt.Errorf("notify: smtp: %s refused: %d", name, reply.Code)
		if reply.Code >= 500 {
			return outbox.Permanent(e)
		}
		return e
	}
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) {
		return fmt.Errorf("notify: smtp: %s: server certificate not trusted: %w", name, cert.Err)
	}
	return fmt.Errorf("notify: smtp: %s: %w", name, err)
}
