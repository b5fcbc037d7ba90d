package kiosk

import (
	"context"
	"errors"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

// EnrolTTL is how long an enrolment code may be typed or scanned.
const EnrolTTL = 10 * time.Minute

// purposeEnrol mixes into an enrolment code's hash.
const purposeEnrol = "enrol"

// enrolment is a terminal waiting for its credential. Its id is the hash of
// its code; registering deletes it, so a code works once.
type enrolment struct {
	store.Meta
	Location   Location  `json:"location"`
	Profile    Profile   `json:"profile"`
	EnrolledBy string    `json:"enrolled_by"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Device is an enrolled terminal. A device credential is no resident's
// session: alone it may show the kiosk start screen and public information,
// and start kiosk sessions; everything personal needs a session's token.
type Device struct {
	store.Meta
	Name          string     `json:"name"`
	Location      Location   `json:"location"`
	Profile       Profile    `json:"profile"`
	EnrolledBy    string     `json:"enrolled_by"`
	RegisteredAt  time.Time  `json:"registered_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	LastSessionAt *time.Time `json:"last_session_at,omitempty"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedBy     string     `json:"revoked_by,omitempty"`
}

// Revoked says whether an admin has revoked the device.
func (d *Device) Revoked() bool { return d.RevokedAt != nil }

// deviceRecord is a device as stored, with its credential's hash.
type deviceRecord struct {
	Device
	TokenHash string `json:"token_hash"`
}

// DevicePageSize is how many devices a page of ListDevices holds.
const DevicePageSize = 50

// Enrol makes a one-time enrolment code for a terminal at loc with profile
// p, shown as XXXX-XXXX, valid for EnrolTTL. Supervisors and admins may
// enrol: the code is typed on the terminal itself, so whoever enrols stands
// at it, and hub and library supervisors are the ones on site; plain staff
// may not mint credentials that put a machine in front of the public.
func (s *Service) Enrol(ctx context.Context, staff Staff, loc Location, p Profile) (string, time.Time, error) {
	if !staff.has(auth.RoleSupervisor, auth.RoleAdmin) {
		return "", time.Time{}, ErrForbidden
	}
	var c checker
	loc.check(&c, "/location")
	p.check(&c, "/profile")
	if err := c.Err(); err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	for attempt := 0; ; attempt++ {
		code := newCode(enrolCodeLen)
		e := &enrolment{Meta: store.Meta{ID: codeHash(purposeEnrol, code)}, Location: loc, Profile: p,
			EnrolledBy: staff.ID, CreatedAt: now, ExpiresAt: now.Add(EnrolTTL)}
		err := s.enrolments.Insert(ctx, e)
		if errors.Is(err, store.ErrDuplicate) && attempt < 3 {
			continue // the same code is live already: draw again
		}
		if err != nil {
			return "", time.Time{}, err
		}
		return formatCode(code), e.ExpiresAt, nil
	}
}

// Register spends an enrolment code and returns the new device with its
// credential, which is shown to the terminal once and stored only as a
// hash. A code that is malformed, wrong, used or expired is a
// *ValidationError on /code (KioskCodeInvalid), all alike.
func (s *Service) Register(ctx context.Context, code string) (*Device, string, error) {
	norm, ok := normalizeCode(code, enrolCodeLen)
	if !ok {
		return nil, "", invalid("/code", MsgCodeInvalid)
	}
	token, hash := newToken(devicePrefix)
	var out *deviceRecord
	err := s.tx(ctx, func(ctx context.Context) error {
		now := s.now()
		e, err := s.enrolments.Get(ctx, codeHash(purposeEnrol, norm))
		if errors.Is(err, store.ErrNotFound) {
			return invalid("/code", MsgCodeInvalid)
		} else if err != nil {
			return err
		}
		if !now.Before(e.ExpiresAt) {
			return invalid("/code", MsgCodeInvalid) // the TTL index removes it
		}
		if err := s.enrolments.Delete(ctx, e.ID); err != nil {
			return err
		}
		out = &deviceRecord{TokenHash: hash, Device: Device{
			Meta: store.Meta{ID: store.NewID()}, Name: e.Location.Name, Location: e.Location, Profile: e.Profile,
			EnrolledBy: e.EnrolledBy, RegisteredAt: now, UpdatedAt: now,
		}}
		return s.devices.Insert(ctx, out)
	})
	if err != nil {
		return nil, "", err
	}
	return &out.Device, token, nil
}

// Authenticate is Authorization: Device <token>: the device the credential
// belongs to, or ErrDeviceInvalid when it is malformed, unknown or revoked.
// It reads the store every time, so a revocation holds at once everywhere.
func (s *Service) Authenticate(ctx context.Context, token string) (*Device, error) {
	hash, ok := tokenHash(devicePrefix, token)
	if !ok {
		return nil, ErrDeviceInvalid
	}
	rec, err := s.devices.FindOne(ctx, store.Eq(fTokenHash, hash))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrDeviceInvalid
	} else if err != nil {
		return nil, err
	}
	if rec.Revoked() {
		return nil, ErrDeviceInvalid
	}
	return &rec.Device, nil
}

// ListDevices pages through every device, revoked ones included, oldest
// first; cursor is the previous page's next. Admins only.
func (s *Service) ListDevices(ctx context.Context, staff Staff, cursor string) ([]Device, string, error) {
	if !staff.has(auth.RoleAdmin) {
		return nil, "", ErrForbidden
	}
	page, err := s.devices.Find(ctx, store.Query{Limit: DevicePageSize, After: cursor})
	if err != nil {
		return nil, "", err
	}
	out := make([]Device, len(page.Items))
	for i, r := range page.Items {
		out[i] = r.Device
	}
	return out, page.Next, nil
}

// GetDevice is one device, for admins.
func (s *Service) GetDevice(ctx context.Context, staff Staff, id string) (*Device, error) {
	if !staff.has(auth.RoleAdmin) {
		return nil, ErrForbidden
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	rec, err := s.devices.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &rec.Device, nil
}

// RenameDevice gives a device the name admins know it by. Admins only.
func (s *Service) RenameDevice(ctx context.Context, staff Staff, id, name string) (*Device, error) {
	var c checker
	text(&c, "/name", &name, MaxNameRunes, true)
	return s.updateDevice(ctx, staff, id, c.Err(), func(d *Device) { d.Name = name })
}

// MoveDevice puts a device at another location (which brings its idle
// timeout and printer with it). A live session keeps the location it
// started at. Admins only.
func (s *Service) MoveDevice(ctx context.Context, staff Staff, id string, loc Location) (*Device, error) {
	var c checker
	loc.check(&c, "/location")
	return s.updateDevice(ctx, staff, id, c.Err(), func(d *Device) { d.Location = loc })
}

func (s *Service) updateDevice(ctx context.Context, staff Staff, id string, bad error, fn func(*Device)) (*Device, error) {
	switch {
	case !staff.has(auth.RoleAdmin):
		return nil, ErrForbidden
	case bad != nil:
		return nil, bad
	case !validID(id):
		return nil, ErrNotFound
	}
	rec, err := s.devices.Update(ctx, id, func(r *deviceRecord) error {
		fn(&r.Device)
		r.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &rec.Device, nil
}

// RevokeDevice stops a device's credential and ends its live session
// (reason device), in one transaction: the terminal's next request is
// refused, and so is every token of the session it was running. Revoking
// twice is not an error. Admins only.
func (s *Service) RevokeDevice(ctx context.Context, staff Staff, id string) (*Device, error) {
	if !staff.has(auth.RoleAdmin) {
		return nil, ErrForbidden
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	var out *deviceRecord
	err := s.tx(ctx, func(ctx context.Context) error {
		now := s.now()
		rec, err := s.devices.Get(ctx, id)
		if err != nil {
			return err
		}
		out = rec
		if rec.RevokedAt == nil {
			rec.RevokedAt, rec.RevokedBy, rec.UpdatedAt = &now, staff.ID, now
			if err := s.devices.Replace(ctx, rec); err != nil {
				return err
			}
		}
		live, err := s.sessions.FindOne(ctx, store.Eq(fLiveDevice, id))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		return s.endIn(ctx, live, EndDevice, staff.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return &out.Device, nil
}

// Terminals are the devices in service (not revoked), at the location named
// (every location when it is ""), oldest first: where a member of staff may
// start a staff-guided session. Any member of staff may ask; ListDevices,
// with revoked devices, is the admins'.
func (s *Service) Terminals(ctx context.Context, staff Staff, location string) ([]Device, error) {
	if !staff.isStaff() {
		return nil, ErrForbidden
	}
	out := []Device{}
	q := store.Query{Limit: store.MaxLimit}
	for {
		page, err := s.devices.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			if !r.Revoked() && (location == "" || r.Location.Name == location) {
				out = append(out, r.Device)
			}
		}
		if q.After = page.Next; q.After == "" {
			return out, nil
		}
	}
}
