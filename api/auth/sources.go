package auth

import (
	"errors"
	"fmt"
	"strings"
)

// SessionSource is a kind of session, other than refresh sessions, that an
// access token may name in its sid: kiosk sessions, which end on the
// terminal (Finish, an idle timeout, staff) rather than by logout and have
// no refresh token. Verify asks Revocations about every sid that begins with
// Prefix, and Sessions about every other.
//
// Prefix must hold an underscore, which the ids of refresh sessions (store
// ids) never do, so that no sid can belong to both kinds.
type SessionSource struct {
	Prefix      string
	Revocations Revocations
}

// checkSources refuses sources that could answer for the same sid, or for a
// refresh session's.
func checkSources(srcs []SessionSource) error {
	for i, s := range srcs {
		switch {
		case s.Revocations == nil:
			return fmt.Errorf("auth: session source %q has no Revocations", s.Prefix)
		case !strings.Contains(s.Prefix, "_") || len(s.Prefix) > maxClaimLength:
			return fmt.Errorf("auth: session source prefix %q must hold an underscore", s.Prefix)
		}
		for _, o := range srcs[:i] {
			if strings.HasPrefix(s.Prefix, o.Prefix) || strings.HasPrefix(o.Prefix, s.Prefix) {
				return errors.New("auth: session source prefixes " + o.Prefix + " and " + s.Prefix + " overlap")
			}
		}
	}
	return nil
}

// revocationsFor is what answers for session sid.
func (t *Tokens) revocationsFor(sid string) Revocations {
	for _, s := range t.opts.SessionSources {
		if strings.HasPrefix(sid, s.Prefix) {
			return s.Revocations
		}
	}
	return t.revocations
}
