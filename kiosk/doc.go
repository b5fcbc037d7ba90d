// Package kiosk is the kiosk profile's domain: enrolled devices at library and
// wellbeing-hub locations, kiosk sessions that leave nothing behind, assisted
// sessions with staff alongside, and hand-off to a resident's own phone.
// It arrives with its issue; the foundation reserves its place.
package kiosk
