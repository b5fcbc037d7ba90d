package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a local mail server over TCP that speaks enough SMTP for
// the client: EHLO (advertising STARTTLS and AUTH PLAIN), STARTTLS, AUTH
// PLAIN, MAIL, RCPT, DATA, RSET, NOOP and QUIT. It records what arrives.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	noTLS    bool   // do not offer STARTTLS
	user     string // AUTH PLAIN credentials it accepts
	pass     string
	rcptCode int // answer RCPT with this code when set (550, 451...)
	silent   bool

	mu       sync.Mutex
	mail     []smtpMail
	commands []string // every command verb, in order, across connections
	conns    int
	wg       sync.WaitGroup
}

// smtpMail is one message as the server received it.
type smtpMail struct {
	TLS      bool
	AuthUser string
	From     string
	Rcpt     []string
	Data     []byte
}

func newSMTPServer(t *testing.T, edit func(*smtpServer)) (*smtpServer, *x509.CertPool) {
	t.Helper()
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, tls: &tls.Config{Certificates: []tls.Certificate{cert}}, user: "frontdoor", pass: "s3cret"}
	if edit != nil {
		edit(s)
	}
	s.wg.Go(s.accept)
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s, pool
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		s.wg.Go(func() { s.serve(c) })
	}
}

func (s *smtpServer) note(verb string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = append(s.commands, verb)
}

// session is one connection's state.
type session struct {
	conn net.Conn
	tp   *textproto.Conn
	mail smtpMail
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if s.silent {
		io.Copy(io.Discard, c) // never answer: the client must time out
		return
	}
	ss := &session{conn: c, tp: textproto.NewConn(c)}
	ss.tp.PrintfLine("220 mail.test ESMTP ready")
	for {
		line, err := ss.tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.note(verb)
		if !s.command(ss, verb, arg) {
			return
		}
	}
}

// command answers one command; false ends the connection.
func (s *smtpServer) command(ss *session, verb, arg string) bool {
	reply := func(format string, a ...any) bool { return ss.tp.PrintfLine(format, a...) == nil }
	switch verb {
	case "EHLO", "HELO":
		lines := []string{"mail.test"}
		if !s.noTLS && !ss.mail.TLS {
			lines = append(lines, "STARTTLS")
		}
		lines = append(lines, "AUTH PLAIN", "8BITMIME")
		for i, l := range lines {
			sep := "-"
			if i == len(lines)-1 {
				sep = " "
			}
			ss.tp.PrintfLine("250%s%s", sep, l)
		}
		return true
	case "STARTTLS":
		return s.startTLS(ss)
	case "AUTH":
		return s.auth(ss, arg, reply)
	case "MAIL":
		ss.mail.From = strings.TrimSuffix(strings.TrimPrefix(arg, "FROM:<"), ">")
		if i := strings.Index(ss.mail.From, ">"); i >= 0 {
			ss.mail.From = ss.mail.From[:i]
		}
		return reply("250 2.1.0 ok")
	case "RCPT":
		if s.rcptCode != 0 {
			return reply("%d recipient <%s> refused", s.rcptCode, strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>"))
		}
		ss.mail.Rcpt = append(ss.mail.Rcpt, strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>"))
		return reply("250 2.1.5 ok")
	case "DATA":
		return s.data(ss, reply)
	case "RSET", "NOOP":
		return reply("250 ok")
	case "QUIT":
		reply("221 bye")
		return false
	}
	return reply("502 command not implemented")
}

func (s *smtpServer) startTLS(ss *session) bool {
	if s.noTLS || ss.mail.TLS {
		return ss.tp.PrintfLine("502 no") == nil
	}
	ss.tp.PrintfLine("220 go ahead")
	tc := tls.Server(ss.conn, s.tls)
	if err := tc.Handshake(); err != nil {
		return false
	}
	ss.conn, ss.tp = tc, textproto.NewConn(tc)
	ss.mail = smtpMail{TLS: true} // RFC 3207: forget everything said before
	return true
}

func (s *smtpServer) auth(ss *session, arg string, reply func(string, ...any) bool) bool {
	mech, resp, _ := strings.Cut(arg, " ")
	if mech != "PLAIN" {
		return reply("504 unsupported mechanism")
	}
	b, err := base64.StdEncoding.DecodeString(resp)
	parts := strings.Split(string(b), "\x00")
	if err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
		return reply("535 5.7.8 authentication failed")
	}
	ss.mail.AuthUser = parts[1]
	return reply("235 2.7.0 authenticated")
}

func (s *smtpServer) data(ss *session, reply func(string, ...any) bool) bool {
	if ss.mail.From == "" || len(ss.mail.Rcpt) == 0 {
		return reply("503 need MAIL and RCPT first")
	}
	reply("354 end with <CRLF>.<CRLF>")
	raw, err := io.ReadAll(ss.tp.DotReader())
	if err != nil {
		return false
	}
	// DotReader turns CRLF into LF; put the wire's line endings back.
	ss.mail.Data = []byte(strings.ReplaceAll(string(raw), "\n", "\r\n"))
	s.mu.Lock()
	s.mail = append(s.mail, ss.mail)
	s.mu.Unlock()
	ss.mail = smtpMail{TLS: ss.mail.TLS, AuthUser: ss.mail.AuthUser}
	return reply("250 2.0.0 queued")
}

func (s *smtpServer) received() []smtpMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMail(nil), s.mail...)
}

func (s *smtpServer) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *smtpServer) saw(verb string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.commands {
		if c == verb {
			return true
		}
	}
	return false
}

// selfSigned makes a certificate for 127.0.0.1 and mail.test, and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"mail.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
