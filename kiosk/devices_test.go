package kiosk

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/store"
)

var codeShape = regexp.MustCompile(`^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$`)

func TestEnrolNeedsSupervisorOrAdmin(t *testing.T) {
	e := newEnv(t)
	for _, st := range []Staff{officer, resident, councillor, {Roles: []auth.Role{auth.RoleAdmin}}} {
		_, _, err := e.svc.Enrol(ctx, st, library("Central Library"), ProfileSelfService)
		wantErr(t, err, ErrForbidden)
	}
	for _, st := range []Staff{supervisor, admin} {
		code, exp, err := e.svc.Enrol(ctx, st, library("Central Library"), ProfileSelfService)
		if err != nil {
			t.Fatalf("Enrol by %s: %v", st.ID, err)
		}
		if !codeShape.MatchString(code) {
			t.Fatalf("code %q is not XXXX-XXXX of the unambiguous alphabet", code)
		}
		if want := e.clock.Now().Add(10 * time.Minute); !exp.Equal(want) {
			t.Fatalf("expires %v, want %v", exp, want)
		}
	}
}

func TestEnrolValidates(t *testing.T) {
	e := newEnv(t)
	loc := Location{Kind: "museum", Name: "  ", Address: "1 Way\nPlymouth", IdleSeconds: 10}
	_, _, err := e.svc.Enrol(ctx, admin, loc, "kiosk")
	wantFields(t, err,
		"/location/kind", MsgNotAllowed, "/location/name", MsgRequired,
		"/location/address", MsgTextInvalid, "/location/idle_timeout_seconds", MsgIdleTimeout, "/profile", MsgNotAllowed)
	for _, secs := range []int{-1, 29, 1801, 1 << 62} {
		loc := library("Central Library")
		loc.IdleSeconds = secs
		_, _, err := e.svc.Enrol(ctx, admin, loc, ProfileSelfService)
		wantFields(t, err, "/location/idle_timeout_seconds", MsgIdleTimeout)
	}
	loc = library("  Central Library ")
	d, _ := mustDevice(t, e, loc, ProfileAssisted)
	if d.Location.Name != "Central Library" || d.Location.IdleSeconds != 120 || d.Location.IdleTimeout() != 2*time.Minute {
		t.Fatalf("location %+v: want the name trimmed and the default idle timeout of 120 s", d.Location)
	}
	if d.Name != "Central Library" || d.Profile != ProfileAssisted || d.EnrolledBy != supervisor.ID {
		t.Fatalf("device %+v", d)
	}
}

func TestEnrolmentCodeSingleUse(t *testing.T) {
	e := newEnv(t)
	code := mustEnrol(t, e, library("Central Library"), ProfileSelfService)
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " ")) // as someone types it
	d, token, err := e.svc.Register(ctx, typed)
	if err != nil {
		t.Fatalf("Register %q: %v", typed, err)
	}
	if !strings.HasPrefix(token, "fdk_") || len(token) != 47 {
		t.Fatalf("device token %q: want fdk_ and 256 bits of base64url", token)
	}
	if d.ID == "" || d.Location.Name != "Central Library" {
		t.Fatalf("device %+v", d)
	}
	_, _, err = e.svc.Register(ctx, code)
	wantFields(t, err, "/code", MsgCodeInvalid)
}

func TestEnrolmentCodeExpires(t *testing.T) {
	e := newEnv(t)
	early := mustEnrol(t, e, library("Central Library"), ProfileSelfService)
	late := mustEnrol(t, e, library("Central Library"), ProfileSelfService)
	e.clock.Advance(10*time.Minute - time.Millisecond)
	if _, _, err := e.svc.Register(ctx, early); err != nil {
		t.Fatalf("Register just before expiry: %v", err)
	}
	e.clock.Advance(time.Millisecond)
	_, _, err := e.svc.Register(ctx, late)
	wantFields(t, err, "/code", MsgCodeInvalid)
}

func TestRegisterRefusesMalformedCodes(t *testing.T) {
	e := newEnv(t)
	for _, code := range []string{"", "ABCD", "ABCD-EFG1", "ABCD-EFGHJ", "ABCD-EFGO", "ÅBCD-EFGH", strings.Repeat("-", 100)} {
		_, _, err := e.svc.Register(ctx, code)
		wantFields(t, err, "/code", MsgCodeInvalid)
	}
}

func TestRegisterRaceHasOneWinner(t *testing.T) {
	e := newEnv(t)
	code := mustEnrol(t, e, library("Central Library"), ProfileSelfService)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := e.svc.Register(ctx, code); err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d registrations with one code, want 1", wins.Load())
	}
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	d, token := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	got, err := e.svc.Authenticate(ctx, token)
	if err != nil || got.ID != d.ID {
		t.Fatalf("Authenticate: %v, %v", got, err)
	}
	other, _ := newToken(devicePrefix)
	for _, bad := range []string{"", "fdk_", other, token + "A", strings.Replace(token, "fdk_", "fdh_", 1), token[:46]} {
		_, err := e.svc.Authenticate(ctx, bad)
		wantErr(t, err, ErrDeviceInvalid)
	}
	// The credential is kept only as a hash.
	rec, err := e.svc.devices.Get(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.TokenHash == "" || strings.Contains(rec.TokenHash, token[4:]) {
		t.Fatalf("stored credential %q: want a hash only", rec.TokenHash)
	}
}

func TestDeviceAdministration(t *testing.T) {
	e := newEnv(t)
	d, token := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	mustDevice(t, e, hub("Jan Cutting"), ProfileAssisted)

	for _, st := range []Staff{supervisor, officer, resident} {
		_, _, err := e.svc.ListDevices(ctx, st, "")
		wantErr(t, err, ErrForbidden)
		_, err = e.svc.RenameDevice(ctx, st, d.ID, "Terminal 2")
		wantErr(t, err, ErrForbidden)
		_, err = e.svc.MoveDevice(ctx, st, d.ID, hub("Jan Cutting"))
		wantErr(t, err, ErrForbidden)
		_, err = e.svc.RevokeDevice(ctx, st, d.ID)
		wantErr(t, err, ErrForbidden)
	}
	list, next, err := e.svc.ListDevices(ctx, admin, "")
	if err != nil || len(list) != 2 || next != "" {
		t.Fatalf("ListDevices: %d devices, next %q, %v", len(list), next, err)
	}

	e.clock.Advance(time.Minute)
	renamed, err := e.svc.RenameDevice(ctx, admin, d.ID, " Central Library, ground floor ")
	if err != nil || renamed.Name != "Central Library, ground floor" || !renamed.UpdatedAt.Equal(e.clock.Now()) {
		t.Fatalf("RenameDevice: %+v, %v", renamed, err)
	}
	_, err = e.svc.RenameDevice(ctx, admin, d.ID, "")
	wantFields(t, err, "/name", MsgRequired)
	_, err = e.svc.RenameDevice(ctx, admin, "nope", "x")
	wantErr(t, err, ErrNotFound)

	moved, err := e.svc.MoveDevice(ctx, admin, d.ID, hub("Jan Cutting"))
	if err != nil || moved.Location.Name != "Jan Cutting" || moved.Location.IdleTimeout() != 5*time.Minute {
		t.Fatalf("MoveDevice: %+v, %v", moved, err)
	}
	_, err = e.svc.MoveDevice(ctx, admin, d.ID, Location{Kind: LocationHub, Name: "x"})
	wantFields(t, err, "/location/address", MsgRequired)
	if got, _ := e.svc.Authenticate(ctx, token); got.Location.Name != "Jan Cutting" || got.Name != renamed.Name {
		t.Fatalf("the terminal sees %+v after the move", got)
	}
}

func TestRevokeDevice(t *testing.T) {
	e := newEnv(t)
	d, token := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s := mustStart(t, e, d)
	access := mustToken(t, e, s)

	revoked, err := e.svc.RevokeDevice(ctx, admin, d.ID)
	if err != nil || !revoked.Revoked() || revoked.RevokedBy != admin.ID {
		t.Fatalf("RevokeDevice: %+v, %v", revoked, err)
	}
	// At once, not within a minute: nothing is cached.
	_, err = e.svc.Authenticate(ctx, token)
	wantErr(t, err, ErrDeviceInvalid)
	if got := mustSession(t, e, s.ID); got.EndReason != EndDevice {
		t.Fatalf("the terminal's session ended for %q, want device", got.EndReason)
	}
	_, err = e.tokens.Verify(ctx, access)
	wantErr(t, err, auth.ErrSessionEnded)
	_, err = e.svc.StartSession(ctx, d)
	wantErr(t, err, ErrDeviceInvalid)
	if again, err := e.svc.RevokeDevice(ctx, admin, d.ID); err != nil || !again.RevokedAt.Equal(*revoked.RevokedAt) {
		t.Fatalf("revoking twice: %+v, %v", again, err)
	}
	_, err = e.svc.RevokeDevice(ctx, admin, store.NewID())
	wantErr(t, err, ErrNotFound)
}
