// Package pushtest is a Web Push service for tests: it listens on a loopback
// TLS port as FCM or Mozilla's autopush would, checks each request's VAPID
// token (RFC 8292) and decrypts each message with the receiving browser's
// own private key (RFC 8291, aes128gcm), so a test sees what a resident's
// device would show, or why it would show nothing.
//
//	ps := pushtest.NewServer(t, subject, func() string { return svc.PublicKey() })
//	phone := ps.NewDevice("phone")
//	// POST phone.JSON() where the app subscribes, send a message, then
//	got, ok := ps.Next(5 * time.Second)
//
// The service it sends with needs push.Options{AllowedHosts:
// []string{ps.Host()}, AllowLoopbackHTTP: true, Client: ps.Client()}.
// Devices' push services can be told to refuse, throttle or slow down
// requests. It is for tests only: no non-test code may import it.
package pushtest

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// maxBody is more than any push service takes (4 KiB is the usual limit).
const maxBody = 8192

// Server is a push service (RFC 8030) on a loopback TLS port. It answers
// 201 to each good message, or what the device it is for was scripted to.
type Server struct {
	tb      testing.TB
	srv     *httptest.Server
	subject string
	key     func() string // the VAPID public key requests must carry

	mu       sync.Mutex
	devices  map[string]*Device
	got      []Delivery
	taken    int // deliveries Next has returned
	problems []string
	delay    time.Duration
	inFlight int
	peak     int
	arrived  chan struct{} // poked after each delivery
	conns    atomic.Int32
}

// Delivery is one message the push service accepted.
type Delivery struct {
	Device string      // the receiving device's name
	At     time.Time   // when it arrived
	Plain  []byte      // the decrypted message, padding removed
	Data   Payload     // Plain as the service worker parses it
	Header http.Header // the request's headers: TTL, Urgency, Topic...
	Wire   int         // the encrypted body's length in bytes
	Token  string      // the VAPID JWT
}

// Payload is the JSON message Frontdoor's service worker shows.
type Payload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Tag   string `json:"tag"`
}

// NewServer starts a push service that accepts tokens for subject signed
// by the key vapidPublicKey returns when a request arrives (the sending
// service usually exists only later). It stops when the test ends.
func NewServer(tb testing.TB, subject string, vapidPublicKey func() string) *Server {
	tb.Helper()
	if vapidPublicKey == nil {
		tb.Fatal("pushtest: NewServer needs the VAPID public key to expect")
	}
	s := &Server{tb: tb, subject: subject, key: vapidPublicKey, devices: map[string]*Device{}, arrived: make(chan struct{}, 1)}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.StartTLS()
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the service's base URL, "https://127.0.0.1:<port>".
func (s *Server) URL() string { return s.srv.URL }

// Host is the service's host, "127.0.0.1": what push.Options.AllowedHosts
// needs.
func (s *Server) Host() string { return "127.0.0.1" }

// Client is an HTTP client that trusts the service's certificate. Like
// http.DefaultClient it follows redirects; the push package must not.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Certificate is the service's self-signed certificate, for a client
// built some other way.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// Connections is how many connections have been opened to the service.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// SetDelay makes each request take at least d before it is answered.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// PeakInFlight is the most requests the service has handled at once.
func (s *Server) PeakInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// Next is the oldest delivery Next has not yet returned, waiting up to
// timeout for one to arrive; false if none did.
func (s *Server) Next(timeout time.Duration) (Delivery, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.taken < len(s.got) {
			d := s.got[s.taken]
			s.taken++
			more := s.taken < len(s.got)
			s.mu.Unlock()
			if more {
				s.poke() // another waiting Next may have missed its wake-up
			}
			return d, true
		}
		s.mu.Unlock()
		select {
		case <-s.arrived:
		case <-timer.C:
			return Delivery{}, false
		}
	}
}

// Deliveries is every message accepted so far, in arrival order, whether
// Next has returned it or not.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.got...)
}

// Problems are the bad requests the service has seen: unknown endpoints,
// VAPID tokens it refused, bodies it could not decrypt. A real push service
// would have dropped each of them, so tests usually assert there are none.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.peak = max(s.peak, s.inFlight)
	delay := s.delay
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	time.Sleep(delay)
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	name := strings.TrimPrefix(r.URL.Path, "/push/")
	s.mu.Lock()
	d := s.devices[name]
	s.mu.Unlock()
	if d == nil || r.Method != http.MethodPost {
		s.problem("unknown device %q or method %s", name, r.Method)
		http.NotFound(w, r)
		return
	}
	token, err := s.checkVAPID(r.Header.Get("Authorization"))
	if err != nil {
		s.problem("device %s: VAPID: %v", name, err)
		http.Error(w, "bad token", http.StatusUnauthorized)
		return
	}
	if status, hdr := d.answer(len(body)); status != 0 {
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		return
	}
	plain, err := d.Decrypt(body)
	if err != nil || r.Header.Get("Content-Encoding") != "aes128gcm" {
		s.problem("device %s: decrypt: %v (Content-Encoding %q)", name, err, r.Header.Get("Content-Encoding"))
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	got := Delivery{Device: name, At: time.Now(), Plain: plain, Header: r.Header.Clone(), Wire: len(body), Token: token}
	if err := json.Unmarshal(plain, &got.Data); err != nil {
		s.problem("device %s: payload is not JSON: %v", name, err)
	}
	s.mu.Lock()
	s.got = append(s.got, got)
	s.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	s.poke()
}

// poke wakes a waiting Next; one pending wake-up is enough.
func (s *Server) poke() {
	select {
	case s.arrived <- struct{}{}:
	default:
	}
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}
