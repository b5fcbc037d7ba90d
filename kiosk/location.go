package kiosk

import (
	"strings"
	"time"
	"unicode/utf8"

	"frontdoor/api/auth"
)

// LocationKind is the kind of place a terminal stands in.
type LocationKind string

const (
	LocationLibrary LocationKind = "library"
	LocationHub     LocationKind = "hub" // a wellbeing hub
)

// Location is where a terminal stands. It is kept on the device, and each
// session keeps a copy of it as it was when the session started, so moving
// a device never rewrites where past sessions happened.
type Location struct {
	Kind    LocationKind `json:"kind"`
	Name    string       `json:"name"` // "Central Library": what insight groups by
	Address string       `json:"address"`
	// IdleSeconds is how long a session may sit untouched before it ends;
	// 0 takes DefaultIdleTimeout. Quiet libraries may want longer, busy
	// hubs shorter.
	IdleSeconds int  `json:"idle_timeout_seconds"`
	Printer     bool `json:"printer"` // a printer is configured: offer to print confirmations
}

// Bounds of a location's idle timeout.
const (
	DefaultIdleTimeout = 120 * time.Second
	MinIdleTimeout     = 30 * time.Second
	MaxIdleTimeout     = 30 * time.Minute
)

// Limits on a location's text.
const (
	MaxNameRunes    = 100
	MaxAddressRunes = 300
)

// IdleTimeout is the location's idle timeout.
func (l Location) IdleTimeout() time.Duration {
	if l.IdleSeconds == 0 {
		return DefaultIdleTimeout
	}
	return time.Duration(l.IdleSeconds) * time.Second
}

// check trims and validates l, filling in the default idle timeout; ptr
// points at the location in the request ("/location").
func (l *Location) check(c *checker, ptr string) {
	if l.Kind != LocationLibrary && l.Kind != LocationHub {
		c.Add(ptr+"/kind", MsgNotAllowed)
	}
	text(c, ptr+"/name", &l.Name, MaxNameRunes, true)
	text(c, ptr+"/address", &l.Address, MaxAddressRunes, true)
	if l.IdleSeconds == 0 {
		l.IdleSeconds = int(DefaultIdleTimeout / time.Second)
	}
	lo, hi := int(MinIdleTimeout/time.Second), int(MaxIdleTimeout/time.Second)
	if l.IdleSeconds < lo || l.IdleSeconds > hi { // in seconds: no Duration overflow
		c.AddData(ptr+"/idle_timeout_seconds", MsgIdleTimeout, map[string]any{"Min": lo, "Max": hi})
	}
}

// Profile is how a terminal is used.
type Profile string

const (
	// ProfileSelfService: residents use it on their own; staff may join.
	ProfileSelfService Profile = "self-service"
	// ProfileAssisted: a hub terminal where staff also run staff-guided
	// sessions for a resident who is present.
	ProfileAssisted Profile = "assisted"
)

func (p Profile) check(c *checker, ptr string) {
	if p != ProfileSelfService && p != ProfileAssisted {
		c.Add(ptr, MsgNotAllowed)
	}
}

// text trims *s and checks it is printable text of at most max runes.
func text(c *checker, ptr string, s *string, max int, required bool) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		if required {
			c.Add(ptr, MsgRequired)
		}
	case !auth.Printable(*s):
		c.Add(ptr, MsgTextInvalid)
	case utf8.RuneCountInString(*s) > max:
		c.AddCount(ptr, MsgTooLong, max)
	}
}

// validID says whether s could be an id we made or a token subject: short
// printable ASCII. Anything else names nothing.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
