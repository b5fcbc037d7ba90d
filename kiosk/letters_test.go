package kiosk

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func errAs(err error, target any) bool { return errors.As(err, target) }

var letterShape = regexp.MustCompile(`^([2-9A-HJKMNP-TV-Z]{4}-){2}[2-9A-HJKMNP-TV-Z]{4}$`)

func TestLetterCodeSingleUse(t *testing.T) {
	e := newEnv(t)
	for _, st := range []Staff{resident, councillor} {
		_, err := e.svc.IssueLetter(ctx, st, "")
		wantErr(t, err, ErrForbidden)
	}
	l, err := e.svc.IssueLetter(ctx, officer, "")
	if err != nil {
		t.Fatal(err)
	}
	if !letterShape.MatchString(l.Code) || l.ResidentID == "" || !l.ExpiresAt.Equal(e.clock.Now().Add(30*24*time.Hour)) {
		t.Fatalf("letter %+v", l)
	}
	typed := strings.ToLower(strings.ReplaceAll(l.Code, "-", ""))
	got, err := e.svc.ClaimLetter(ctx, typed)
	if err != nil || got != l.ResidentID {
		t.Fatalf("ClaimLetter: %q, %v; want %q", got, err, l.ResidentID)
	}
	_, err = e.svc.ClaimLetter(ctx, l.Code)
	wantFields(t, err, "/code", MsgLetterCodeInvalid)

	// At a terminal, the claimed account signs the session in.
	d, _ := mustDevice(t, e, library("Central Library"), ProfileSelfService)
	s, err := e.svc.SignIn(ctx, mustStart(t, e, d).ID, got)
	if err != nil || s.Subject().ID != l.ResidentID {
		t.Fatalf("SignIn with the claimed account: %+v, %v", s, err)
	}
}

func TestLetterCodeReissueAndExpiry(t *testing.T) {
	e := newEnv(t)
	first, err := e.svc.IssueLetter(ctx, officer, "res-9")
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.svc.IssueLetter(ctx, supervisor, "res-9") // the first letter was lost
	if err != nil || second.ResidentID != "res-9" || second.Code == first.Code {
		t.Fatalf("reissue: %+v, %v", second, err)
	}
	_, err = e.svc.ClaimLetter(ctx, first.Code)
	wantFields(t, err, "/code", MsgLetterCodeInvalid)

	e.clock.Advance(30 * 24 * time.Hour)
	_, err = e.svc.ClaimLetter(ctx, second.Code)
	wantFields(t, err, "/code", MsgLetterCodeInvalid)

	for _, code := range []string{"", "ABCD-EFGH", "ABCD-EFGH-JKM1"} {
		_, err := e.svc.ClaimLetter(ctx, code)
		wantFields(t, err, "/code", MsgLetterCodeInvalid)
	}
	_, err = e.svc.IssueLetter(ctx, officer, "ks_someone")
	wantFields(t, err, "/resident_id", MsgInvalidValue)
}
