package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

var fixedNow = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func testSMTP(srv *smtpServer, pool *x509.CertPool) *SMTP {
	return &SMTP{Addr: srv.addr(), Host: "mail.test", Username: "frontdoor", Password: "s3cret",
		From: "Cyngor Plymouth <noreply@council.example>", TLS: &tls.Config{RootCAs: pool},
		Now: func() time.Time { return fixedNow }}
}

func TestSMTPSendsAProperMessage(t *testing.T) {
	texts := &Service{opts: Options{Localize: localize()}}
	update := caseEvent("k", "r")
	update.Data["Update"] = "Line one.\n.\nA dot line, an = sign, and a very long line that quoted-printable must break with soft line breaks so that no line is longer than seventy-six characters."
	alert := Event{Key: "a", Kind: KindAlert, Data: map[string]any{"Area": "PL4",
		"Title": "Ni fydd casgliadau dydd Llun yn digwydd: mae'r lôn ar gau — ymddiheuriadau",
		"Body":  "Byddwn yn casglu ddydd Mawrth yn lle.\nDiolch am eich amynedd."}}
	for _, c := range []struct {
		lang string
		ev   Event
	}{{"cy", alert}, {"ar", update}, {"en", update}} {
		t.Run(c.lang, func(t *testing.T) {
			srv, pool := newSMTPServer(t, nil)
			msg := texts.render(c.lang, c.ev, true)
			if err := testSMTP(srv, pool).SendEmail(ctx, "Resident@Example.com", msg.Title, msg.Body); err != nil {
				t.Fatal(err)
			}
			got := srv.received()
			if len(got) != 1 {
				t.Fatalf("server received %d messages", len(got))
			}
			m := got[0]
			if !m.TLS || m.AuthUser != "frontdoor" || m.From != "noreply@council.example" ||
				len(m.Rcpt) != 1 || m.Rcpt[0] != "resident@example.com" {
				t.Errorf("envelope %+v: want TLS, AUTH, MAIL and RCPT", m)
			}
			checkMessage(t, m.Data, msg)
			if c.lang != "en" && !strings.Contains(string(m.Data), "Subject: =?utf-8?b?") {
				t.Errorf("%s subject not RFC 2047 encoded:\n%s", c.lang, m.Data)
			}
		})
	}
}

// checkMessage parses a received message as a mail reader would.
func checkMessage(t *testing.T, raw []byte, msg rendered) {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters: %q", i, len(line), line)
		}
	}
	if i := bytes.IndexFunc(raw, func(r rune) bool { return r > 0x7e || r < ' ' && r != '\r' && r != '\n' }); i >= 0 {
		t.Errorf("message is not 7-bit text at byte %d", i)
	}
	p, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := p.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != msg.Title {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, msg.Title)
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "Cyngor Plymouth" || from.Address != "noreply@council.example" {
		t.Errorf("From %q: %v", h.Get("From"), err)
	}
	if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Address != "resident@example.com" {
		t.Errorf("To %q", h.Get("To"))
	}
	if d, err := h.Date(); err != nil || !d.Equal(fixedNow) {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@council\.example>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	for k, want := range map[string]string{"MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable", "Auto-Submitted": "auto-generated"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(p.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != msg.Body+"\n" {
		t.Errorf("body decodes to\n%q\nwant\n%q", got, msg.Body+"\n")
	}
}

func TestSMTPRefusesServerWithoutSTARTTLS(t *testing.T) {
	srv, pool := newSMTPServer(t, func(s *smtpServer) { s.noTLS = true })
	err := testSMTP(srv, pool).SendEmail(ctx, "a@example.com", "Subject", "Body")
	if !errors.Is(err, ErrNoSTARTTLS) {
		t.Fatalf("err %v, want ErrNoSTARTTLS", err)
	}
	if srv.saw("AUTH") || srv.saw("MAIL") || srv.saw("DATA") || len(srv.received()) != 0 {
		t.Fatalf("credentials or mail went to a server without STARTTLS")
	}
	// Development: a loopback server may go without, when allowed.
	dev := &SMTP{Addr: srv.addr(), Username: "frontdoor", Password: "s3cret", From: "dev@localhost.test", AllowPlain: true}
	if err := dev.SendEmail(ctx, "a@example.com", "Subject", "Body"); err != nil {
		t.Fatalf("AllowPlain on loopback: %v", err)
	}
	if got := srv.received(); len(got) != 1 || got[0].TLS || got[0].AuthUser != "frontdoor" {
		t.Errorf("AllowPlain: received %+v", got)
	}
	far := &SMTP{Addr: "mail.example.org:25", From: "dev@localhost.test", AllowPlain: true}
	if err := far.SendEmail(ctx, "a@example.com", "Subject", "Body"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("AllowPlain to a remote server: %v, want refused", err)
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	srv, pool := newSMTPServer(t, nil)
	m := testSMTP(srv, pool)
	for _, c := range []struct{ to, subject string }{
		{"a@example.com", "Hello\r\nBcc: victim@example.com"},
		{"a@example.com", "Hello\nBcc: victim@example.com"},
		{"a@example.com", "Hello\rX: y"},
		{"a@example.com\r\nBcc: victim@example.com", "Hello"},
		{"a@example.com", "bad \xff utf-8"},
	} {
		if err := m.SendEmail(ctx, c.to, c.subject, "Body"); err == nil {
			t.Errorf("to %q subject %q: sent", c.to, c.subject)
		}
	}
	m.From = "Evil\r\nBcc: x@example.com <noreply@council.example>"
	if err := m.SendEmail(ctx, "a@example.com", "Hi", "Body"); err == nil {
		t.Error("From with a line break: sent")
	}
	if n := srv.connCount(); n != 0 {
		t.Errorf("%d connections made for messages that should never leave", n)
	}
}

func TestSMTPUntrustedCertificateSendsNothing(t *testing.T) {
	srv, _ := newSMTPServer(t, nil)
	m := testSMTP(srv, x509.NewCertPool())
	err := m.SendEmail(ctx, "a@example.com", "Subject", "Body")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	if srv.saw("AUTH") || srv.saw("MAIL") {
		t.Error("credentials or mail sent over an unverified connection")
	}
}

func TestSMTPTimesOut(t *testing.T) {
	srv, pool := newSMTPServer(t, func(s *smtpServer) { s.silent = true })
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := testSMTP(srv, pool).SendEmail(c, "a@example.com", "Subject", "Body")
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("silent server: %v after %v, want an error at the deadline", err, time.Since(start))
	}
	m := testSMTP(srv, pool)
	m.Timeout = 200 * time.Millisecond // no deadline on ctx: Timeout bounds it
	start = time.Now()
	if err := m.SendEmail(ctx, "a@example.com", "Subject", "Body"); err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("silent server, Timeout: %v after %v", err, time.Since(start))
	}
}

// TestSMTPRefusalsThroughOutbox: a 5xx refusal is permanent (one attempt,
// then dead); a 4xx one is retried.
func TestSMTPRefusalsThroughOutbox(t *testing.T) {
	for _, tt := range []struct {
		code     int
		attempts int
	}{{550, 1}, {451, fastOutbox.MaxAttempts}} {
		srv, pool := newSMTPServer(t, func(s *smtpServer) { s.rcptCode = tt.code })
		e := newEnv(t, envConfig{edit: func(o *Options) { o.Email = testSMTP(srv, pool) }})
		ev := caseEvent("smtp-refused", "")
		ev.To = Recipient{Email: "someone@example.com"}
		mustNotify(t, e.svc, ev)
		// Wait for the job to die rather than for an idle outbox: between two
		// attempts a retried job can look idle for a moment.
		var dead store.Page[outbox.Job]
		var err error
		waitFor(t, 60*time.Second, "the refused email's job to die", func() bool {
			dead, err = e.ob.Dead(ctx, "")
			return err != nil || len(dead.Items) > 0
		})
		if err != nil || len(dead.Items) != 1 {
			t.Fatalf("RCPT %d: dead jobs %+v, %v", tt.code, dead.Items, err)
		}
		j := dead.Items[0]
		if j.Kind != KindEmailJob || j.Attempts != tt.attempts || strings.Contains(j.LastError, "someone") {
			t.Errorf("RCPT %d: job %s after %d attempts (%q), want %d attempts and no address in the error",
				tt.code, j.Kind, j.Attempts, j.LastError, tt.attempts)
		}
		if tt.code == 550 && !strings.Contains(j.LastError, "RCPT refused: 550") {
			t.Errorf("last error %q", j.LastError)
		}
	}
}
