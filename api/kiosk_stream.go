package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"frontdoor/kiosk"
)

// The shared screen of an assisted session, as Server-Sent Events
// (GET /api/v1/kiosk/sessions/{id}/stream, text/event-stream):
//
//	screen     to the joined member of staff: the resident's current page
//	           (path, title, the fields' values), as the resident's app
//	           posts it (POST .../screen) while staff are joined
//	input      to the resident's screen: a step the joined member of staff
//	           filled in (POST /api/v1/staff/kiosk/sessions/{id}/input)
//	join       to both: a join asked for, confirmed or declined
//	consent    to staff: the resident let them read their record
//	signed-in  to staff: the resident signed in at the terminal
//	ended      to both, last: the session ended, and why
//
// plus a comment every 15 seconds, so proxies keep the connection and a
// dead client is noticed. Browsers read it with fetch() (EventSource cannot
// send Authorization); a stream ends at its token's expiry or the
// session's end, and the client reconnects with a fresh token.
//
// The hub is in this process only: with several replicas, the resident's
// and the member of staff's requests may reach different ones, and events
// would need a shared bus between them (the outbox, or MongoDB change
// streams on a collection of events). Every stream checks its session in
// the store at each heartbeat, so an end elsewhere closes it within one.

// kioskStreamPath is the one route that answers text/event-stream.
const kioskStreamPath = "/api/v1/kiosk/sessions/:id/stream"

// isEventStream says whether a request path is a session's event stream
// (compression stays off for it: see compressHandler).
func isEventStream(path string) bool {
	return strings.HasPrefix(path, "/api/v1/kiosk/sessions/") && strings.HasSuffix(path, "/stream")
}

// Event names.
const (
	eventScreen   = "screen"
	eventInput    = "input"
	eventJoin     = "join"
	eventConsent  = "consent"
	eventSignedIn = "signed-in"
	eventEnded    = "ended"
)

// Stream timing and bounds.
const (
	sseHeartbeat    = 15 * time.Second
	sseBuffer       = 32               // events a subscriber may fall behind before it is dropped
	sseWriteTimeout = 10 * time.Second // for each write: a stream outlives the server's WriteTimeout
	sseStaleScreen  = kiosk.MaxIdleTimeout + time.Minute
)

type (
	joinEvent struct {
		State     kiosk.JoinState `json:"state"`
		StaffName string          `json:"staff_name"`
		At        time.Time       `json:"at"`
	}
	inputEvent struct {
		Field string    `json:"field"`
		Value string    `json:"value"`
		At    time.Time `json:"at"`
	}
	screenEvent struct {
		Path   string            `json:"path"`
		Title  string            `json:"title"`
		Fields map[string]string `json:"fields"`
		At     time.Time         `json:"at"`
	}
	endedEvent struct {
		Reason kiosk.EndReason `json:"reason"`
	}
	atView struct {
		At time.Time `json:"at"`
	}
)

func marshalEvent(v any) []byte {
	b, _ := json.Marshal(v) // plain structs of strings and times
	return b
}

// sseEvent is one event as it goes on the wire.
type sseEvent struct {
	name string
	data []byte
}

// kioskHub fans events out to the streams of each session.
type kioskHub struct {
	mu        sync.Mutex
	heartbeat time.Duration // how often an idle stream hears from us
	sessions  map[string]*hubSession
	closed    bool
}

type hubSession struct {
	subs   map[*hubSub]struct{}
	screen *sseEvent // the resident's page, kept for a member of staff who connects later
	at     time.Time // when the screen was posted
}

// hubSub is one open stream: the session's own screen (staff "") or a
// member of staff's.
type hubSub struct {
	session string
	staff   string
	beat    time.Duration
	events  chan sseEvent
	gone    chan struct{} // closed when the hub lets go of the stream
	final   *sseEvent     // written last, once gone is closed (under the hub's lock)
}

// Audiences of an event.
var (
	toAll      = func(*hubSub) bool { return true }
	toStaff    = func(sub *hubSub) bool { return sub.staff != "" }
	toResident = func(sub *hubSub) bool { return sub.staff == "" }
)

func newKioskHub(heartbeat time.Duration) *kioskHub {
	return &kioskHub{heartbeat: heartbeat, sessions: map[string]*hubSession{}}
}

var errHubClosed = errors.New("kiosk: the server is shutting down")

// subscribe opens a stream of session id; a member of staff also gets the
// resident's current screen first, when there is one.
func (h *kioskHub) subscribe(id, staff string) (*hubSub, *sseEvent, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, errHubClosed
	}
	h.prune()
	hs := h.sessions[id]
	if hs == nil {
		hs = &hubSession{subs: map[*hubSub]struct{}{}}
		h.sessions[id] = hs
	}
	sub := &hubSub{session: id, staff: staff, beat: h.heartbeat, events: make(chan sseEvent, sseBuffer), gone: make(chan struct{})}
	hs.subs[sub] = struct{}{}
	if staff != "" && hs.screen != nil {
		return sub, hs.screen, nil
	}
	return sub, nil, nil
}

// setHeartbeat changes how often streams opened from now on hear from us.
func (h *kioskHub) setHeartbeat(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.heartbeat = d
}

// unsubscribe forgets a stream that has ended.
func (h *kioskHub) unsubscribe(sub *hubSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drop(sub, nil)
	if hs := h.sessions[sub.session]; hs != nil && len(hs.subs) == 0 && hs.screen == nil {
		delete(h.sessions, sub.session)
	}
}

// drop closes a stream, with a last event; the caller holds the lock.
func (h *kioskHub) drop(sub *hubSub, final *sseEvent) {
	hs := h.sessions[sub.session]
	if hs == nil {
		return
	}
	if _, ok := hs.subs[sub]; !ok {
		return
	}
	delete(hs.subs, sub)
	sub.final = final
	close(sub.gone)
}

// publish sends ev to the session's streams that to selects and says how
// many took it. A stream that has fallen sseBuffer events behind is
// dropped (its client reconnects) rather than slowing everyone.
func (h *kioskHub) publish(id string, ev sseEvent, to func(*hubSub) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := h.sessions[id]
	if hs == nil {
		return 0
	}
	n := 0
	for sub := range hs.subs {
		if !to(sub) {
			continue
		}
		select {
		case sub.events <- ev:
			n++
		default:
			h.drop(sub, nil)
		}
	}
	return n
}

// setScreen keeps the resident's page for staff and sends it to them.
func (h *kioskHub) setScreen(id string, ev sseEvent) int {
	h.mu.Lock()
	hs := h.sessions[id]
	if hs == nil {
		hs = &hubSession{subs: map[*hubSub]struct{}{}}
		h.sessions[id] = hs
	}
	hs.screen, hs.at = &ev, time.Now()
	h.mu.Unlock()
	return h.publish(id, ev, toStaff)
}

// dropStaff forgets the screen and closes the staff streams of a session
// whose resident declined (or whose member of staff left).
func (h *kioskHub) dropStaff(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := h.sessions[id]
	if hs == nil {
		return
	}
	hs.screen = nil
	for sub := range hs.subs {
		if sub.staff != "" {
			h.drop(sub, nil)
		}
	}
}

// end closes every stream of a session that has ended, each with a last
// ended event, and forgets the session.
func (h *kioskHub) end(id string, reason kiosk.EndReason) {
	ev := sseEvent{name: eventEnded, data: marshalEvent(endedEvent{Reason: reason})}
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := h.sessions[id]
	if hs == nil {
		return
	}
	for sub := range hs.subs {
		h.drop(sub, &ev)
	}
	delete(h.sessions, id)
}

// close ends every stream: the server is shutting down, and clients
// reconnect to another replica.
func (h *kioskHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for id, hs := range h.sessions {
		for sub := range hs.subs {
			h.drop(sub, nil)
		}
		delete(h.sessions, id)
	}
}

// prune forgets screens kept for sessions no one watches that have long
// gone quiet (ended on another replica, or idle); the caller holds the lock.
func (h *kioskHub) prune() {
	for id, hs := range h.sessions {
		if len(hs.subs) == 0 && (hs.screen == nil || time.Since(hs.at) > sseStaleScreen) {
			delete(h.sessions, id)
		}
	}
}

// streamKioskSession opens the event stream of a session for its own token
// or for the member of staff who asked to join (pending) or joined it.
func (s *Server) streamKioskSession(c *fiber.Ctx) error {
	ctx, cl, id := c.UserContext(), claimsOf(c), strings.Clone(c.Params("id"))
	staff := ""
	if cl.SessionID != id {
		if !isStaff(cl) || kioskSID(cl.SessionID) {
			return kiosk.ErrNotFound
		}
		staff = cl.ID
	}
	sess, err := s.kiosk.LiveSession(ctx, id)
	if err != nil {
		return err
	}
	if staff != "" && !staffJoined(sess, staff) {
		return &problem{kind: kindKioskForbidden}
	}
	sub, first, err := s.hub.subscribe(id, staff)
	if err != nil {
		return &problem{kind: kindUnavailable, cause: err}
	}
	conn, until := c.Context().Conn(), cl.ExpiresAt
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // nginx: pass events on as they come
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		// Fiber has released c by now: only what was captured above is used.
		s.writeStream(w, conn, sub, first, until)
	})
	return nil
}

// staffJoined says whether staff asked to join the session (the resident
// has not answered) or joined it.
func staffJoined(sess *kiosk.Session, staff string) bool {
	return sess.Join != nil && sess.Join.Staff == staff && sess.Join.State != kiosk.JoinDeclined
}

func (s *Server) writeStream(w *bufio.Writer, conn net.Conn, sub *hubSub, first *sseEvent, until time.Time) {
	defer s.hub.unsubscribe(sub)
	flush := func() bool {
		conn.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		return w.Flush() == nil
	}
	write := func(ev sseEvent) bool {
		w.WriteString("event: " + ev.name + "\ndata: ")
		w.Write(ev.data) // JSON: one line
		w.WriteString("\n\n")
		return flush()
	}
	w.WriteString("retry: 3000\n\n")
	if !flush() || (first != nil && !write(*first)) {
		return
	}
	beat := time.NewTicker(sub.beat)
	defer beat.Stop()
	expiry := time.NewTimer(time.Until(until))
	defer expiry.Stop()
	for {
		select {
		case ev := <-sub.events:
			if !write(ev) {
				return
			}
		case <-sub.gone:
			for len(sub.events) > 0 {
				if !write(<-sub.events) {
					return
				}
			}
			s.hub.mu.Lock()
			final := sub.final
			s.hub.mu.Unlock()
			if final != nil {
				write(*final)
			}
			return
		case <-beat.C:
			if ended := s.streamOver(sub); ended != nil {
				write(*ended)
				return
			}
			w.WriteString(": heartbeat\n\n")
			if !flush() {
				return
			}
		case <-expiry.C:
			return // the token has expired: the client comes back with a fresh one
		}
	}
}

// streamOver looks the stream's session up again: an ended event when it
// has ended where this hub did not see (idle, another replica), or when a
// member of staff's join no longer stands; nil while it goes on.
func (s *Server) streamOver(sub *hubSub) *sseEvent {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sess, err := s.kiosk.Session(ctx, sub.session)
	if err != nil && !errors.Is(err, kiosk.ErrNotFound) {
		return nil // the store is unwell: look again at the next beat
	}
	_, liveErr := s.kiosk.LiveSession(ctx, sub.session)
	switch {
	case err != nil || errors.Is(liveErr, kiosk.ErrSessionEnded):
		reason := kiosk.EndIdle
		if sess != nil && sess.EndReason != "" {
			reason = sess.EndReason
		}
		return &sseEvent{name: eventEnded, data: marshalEvent(endedEvent{Reason: reason})}
	case sub.staff != "" && !staffJoined(sess, sub.staff):
		return &sseEvent{name: eventJoin, data: marshalEvent(joinEvent{State: kiosk.JoinDeclined, At: time.Now().UTC()})}
	}
	return nil
}

// Limits of a posted screen: text of a page, never photos.
const (
	maxScreenBytes  = 16 << 10
	maxScreenFields = 60
	maxScreenTitle  = 200
	maxScreenPath   = 512
)

type screenRequest struct {
	Path   string            `json:"path"`
	Title  string            `json:"title"`
	Fields map[string]string `json:"fields"`
}

// postScreen is the resident's app saying which page it shows, with the
// values in its fields, for the member of staff joined. It is activity
// too. Without staff joined it is kept nowhere: nothing of the screen is
// stored, only passed on.
func (s *Server) postScreen(c *fiber.Ctx) error {
	if len(c.Body()) > maxScreenBytes {
		return &problem{kind: kindTooLarge}
	}
	var req screenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var ck fieldCheck
	if !screenPath(req.Path) {
		ck.add("/path", kiosk.MsgPathInvalid, nil)
	}
	ck.value("/title", req.Title, maxScreenTitle)
	if len(req.Fields) > maxScreenFields {
		ck.add("/fields", "TooManyItems", map[string]any{"Count": maxScreenFields})
	}
	for name, v := range req.Fields {
		ck.name("/fields", name, maxInputField)
		ck.value("/fields/"+strings.ReplaceAll(name, "/", "~1"), v, maxInputValue) // RFC 6901
	}
	if err := ck.err(); err != nil {
		return err
	}
	own, err := s.ownLiveSession(c)
	if err != nil {
		return err
	}
	sess, err := s.kiosk.Touch(c.UserContext(), own.ID)
	if err != nil {
		return err
	}
	if sess.Assisted() {
		ev := screenEvent{Path: req.Path, Title: req.Title, Fields: req.Fields, At: time.Now().UTC()}
		s.hub.setScreen(sess.ID, sseEvent{name: eventScreen, data: marshalEvent(ev)})
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// screenPath accepts a page of the web app: "/" then printable ASCII, no
// backslash, not "//".
func screenPath(p string) bool {
	if p == "" || len(p) > maxScreenPath || p[0] != '/' || strings.HasPrefix(p, "//") || !utf8.ValidString(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] > '~' || p[i] == '\\' {
			return false
		}
	}
	return true
}
