package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

func codeMustIssue(tb testing.TB, g *Guard, purpose CodePurpose, contact string) string {
	tb.Helper()
	code, err := g.CodeIssue(context.Background(), purpose, contact)
	if err != nil {
		tb.Fatalf("CodeIssue: %v", err)
	}
	return code
}

// codeErrID is the message id of a *CodeError, or "" for nil.
func codeErrID(tb testing.TB, err error) string {
	tb.Helper()
	if err == nil {
		return ""
	}
	var ce *CodeError
	if !errors.As(err, &ce) {
		tb.Fatalf("want *CodeError, got %T %v", err, err)
	}
	return ce.ID
}

func codeCheckID(tb testing.TB, g *Guard, purpose CodePurpose, contact, code string) string {
	tb.Helper()
	return codeErrID(tb, g.CodeCheck(context.Background(), purpose, contact, code))
}

// codeOther is a well-formed code that is not code.
func codeOther(code string) string {
	var n int
	fmt.Sscanf(code, "%d", &n)
	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

func TestCodeRightOnceOnly(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{})
	code := codeMustIssue(t, g, CodePurposeVerify, "alice@example.org")
	if got := codeCheckID(t, g, CodePurposeVerify, " Alice@Example.org", code); got != "" {
		t.Fatalf("right code refused: %s", got)
	}
	if got := codeCheckID(t, g, CodePurposeVerify, "alice@example.org", code); got != CodeExpired {
		t.Fatalf("the same code a second time: %q, want %s", got, CodeExpired)
	}
}

func TestCodeWrongTriesKillIt(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{})
	code := codeMustIssue(t, g, CodePurposeSignIn, "+447700900123")
	for left := 4; left >= 1; left-- {
		err := g.CodeCheck(context.Background(), CodePurposeSignIn, "+447700900123", codeOther(code))
		var ce *CodeError
		if !errors.As(err, &ce) || ce.ID != CodeWrong || ce.Data["Count"] != left {
			t.Fatalf("wrong code: %v %+v, want %s with %d tries left", err, ce, CodeWrong, left)
		}
	}
	if got := codeCheckID(t, g, CodePurposeSignIn, "+447700900123", codeOther(code)); got != CodeTooManyTries {
		t.Fatalf("fifth wrong code: %q, want %s", got, CodeTooManyTries)
	}
	if got := codeCheckID(t, g, CodePurposeSignIn, "+447700900123", code); got != CodeTooManyTries {
		t.Fatalf("right code after five wrong: %q, want %s", got, CodeTooManyTries)
	}
}

func TestCodeMalformedCostsNoTry(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{})
	code := codeMustIssue(t, g, CodePurposeVerify, "alice@example.org")
	for _, bad := range []string{"", "12345", "1234567", "12a456", " 123456", "１２３４５６", "-12345"} {
		if got := codeCheckID(t, g, CodePurposeVerify, "alice@example.org", bad); got != CodeMalformed {
			t.Errorf("%q: %q, want %s", bad, got, CodeMalformed)
		}
	}
	if got := codeCheckID(t, g, CodePurposeVerify, "alice@example.org", code); got != "" {
		t.Fatalf("right code after malformed ones: %q", got)
	}
}

func TestCodeExpires(t *testing.T) {
	g, clock := guardTest(t, GuardOptions{})
	code := codeMustIssue(t, g, CodePurposeVerify, "alice@example.org")
	clock.Advance(10*time.Minute - time.Millisecond)
	if got := codeCheckID(t, g, CodePurposeVerify, "alice@example.org", codeOther(code)); got != CodeWrong {
		t.Fatalf("just inside 10 minutes, a wrong code: %q, want %s", got, CodeWrong)
	}
	clock.Advance(time.Millisecond)
	if got := codeCheckID(t, g, CodePurposeVerify, "alice@example.org", code); got != CodeExpired {
		t.Fatalf("right code after 10 minutes: %q, want %s", got, CodeExpired)
	}
}

func TestCodeNewOneReplacesOld(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{CodeIssueLimit: 50})
	first := codeMustIssue(t, g, CodePurposeSignIn, "alice@example.org")
	second := codeMustIssue(t, g, CodePurposeSignIn, "alice@example.org")
	for second == first { // one in a million
		second = codeMustIssue(t, g, CodePurposeSignIn, "alice@example.org")
	}
	if got := codeCheckID(t, g, CodePurposeSignIn, "alice@example.org", first); got != CodeWrong {
		t.Fatalf("the replaced code: %q, want %s", got, CodeWrong)
	}
	if got := codeCheckID(t, g, CodePurposeSignIn, "alice@example.org", second); got != "" {
		t.Fatalf("the new code: %q", got)
	}
}

func TestCodePurposesAndContactsKeptApart(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{})
	code := codeMustIssue(t, g, CodePurposeVerify, "alice@example.org")
	if got := codeCheckID(t, g, CodePurposeSignIn, "alice@example.org", code); got != CodeExpired {
		t.Fatalf("a verify code used to sign in: %q, want %s", got, CodeExpired)
	}
	if got := codeCheckID(t, g, CodePurposeVerify, "bob@example.org", code); got != CodeExpired {
		t.Fatalf("alice's code used for bob: %q, want %s", got, CodeExpired)
	}
	if _, err := g.CodeIssue(context.Background(), "reset", "alice@example.org"); err == nil {
		t.Fatal("a code issued for an unknown purpose")
	}
	if got := codeCheckID(t, g, CodePurposeVerify, "alice@example.org", code); got != "" {
		t.Fatalf("the right code, after the others failed: %q", got)
	}
}

func TestCodeIssueRateLimit(t *testing.T) {
	g, clock := guardTest(t, GuardOptions{})
	for i := range 5 { // every 5 minutes, across both purposes
		p := CodePurposeVerify
		if i%2 == 1 {
			p = CodePurposeSignIn
		}
		codeMustIssue(t, g, p, "alice@example.org")
		clock.Advance(5 * time.Minute)
	}
	// t0+25m: the first leaves the hour at t0+60m
	_, err := g.CodeIssue(context.Background(), CodePurposeSignIn, "ALICE@example.org")
	var ce *CodeError
	if !errors.As(err, &ce) || ce.ID != CodeIssueLimited || ce.RetryAfter != 35*time.Minute || ce.Data["Count"] != int64(35*60) {
		t.Fatalf("sixth code in the hour: %v %+v, want %s after 35m", err, ce, CodeIssueLimited)
	}
	codeMustIssue(t, g, CodePurposeSignIn, "bob@example.org")
	clock.Advance(35 * time.Minute)
	codeMustIssue(t, g, CodePurposeSignIn, "alice@example.org")
}

func TestCodeConcurrentGuessesCountedOneByOne(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{})
	code := codeMustIssue(t, g, CodePurposeSignIn, "alice@example.org")
	results := codeCheckAtOnce(t, g, 20, codeOther(code))
	if results[CodeWrong] != 4 || results[CodeTooManyTries] != 16 {
		t.Fatalf("20 wrong guesses at once: %v, want 4 %s and 16 %s", results, CodeWrong, CodeTooManyTries)
	}
	code = codeMustIssue(t, g, CodePurposeSignIn, "alice@example.org")
	results = codeCheckAtOnce(t, g, 10, code)
	if results[""] != 1 || results[CodeExpired] != 9 {
		t.Fatalf("the right code 10 times at once: %v, want 1 success and 9 %s", results, CodeExpired)
	}
}

func codeCheckAtOnce(t *testing.T, g *Guard, n int, code string) map[string]int {
	var mu sync.Mutex
	results := map[string]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := g.CodeCheck(context.Background(), CodePurposeSignIn, "alice@example.org", code)
			var ce *CodeError
			id := ""
			if errors.As(err, &ce) {
				id = ce.ID
			} else if err != nil {
				id = err.Error()
			}
			mu.Lock()
			results[id]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

func TestCodeStoredHashed(t *testing.T) {
	g, _ := guardTest(t, GuardOptions{})
	code := codeMustIssue(t, g, CodePurposeVerify, "alice@example.org")
	page, err := g.codes.Find(context.Background(), store.Query{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("codes stored: %v, %v", page.Items, err)
	}
	b, _ := json.Marshal(page.Items[0])
	if s := string(b); strings.Contains(s, code) || strings.Contains(s, "alice") {
		t.Fatalf("stored %s: holds the code or the contact in clear", s)
	}
}

func TestCodeRandomIsUniform(t *testing.T) {
	const n = 200_000
	var counts [codeDigits][10]int
	for range n {
		c := codeRandom()
		if !codeWellFormed(c) {
			t.Fatalf("code %q is not six digits", c)
		}
		for i := range codeDigits {
			counts[i][c[i]-'0']++
		}
	}
	for i, pos := range counts { // each digit 20,000 ± 5% (over 7 standard deviations)
		for d, got := range pos {
			if got < n/10*95/100 || got > n/10*105/100 {
				t.Fatalf("digit %d appears %d times in position %d, want about %d", d, got, i, n/10)
			}
		}
	}
}
