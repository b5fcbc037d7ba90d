// Package kiosk is the kiosk profile's domain: terminals in libraries and
// wellbeing hubs enrolled with a one-time code and holding a device
// credential; kiosk sessions, anonymous until a resident signs in, that end
// on Finish, after the location's idle timeout, by staff, by hand-off to
// the resident's own phone, or when the terminal is revoked; assisted
// sessions, which staff join with the resident's confirmation (or start for
// a resident who is present); an event log of every session for insight;
// and letter codes for residents with no email or phone.
//
// A kiosk session's id is the sid of its access tokens. The HTTP layer
// issues them from Session.Subject, and auth.Tokens asks this package
// whether the session is still live (Service.SessionSource), so ending a
// session refuses every token of it at once.
//
// Plain Go: no HTTP here, and no caches, so a revocation or an end holds on
// every replica from the next request. Time comes from Options.Now.
package kiosk
