package accounts

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/outbox"
)

// oneService sets up res-a linked to one connector at url.
func oneService(t *testing.T, e *env, url string) string {
	t.Helper()
	secret := mustConnector(t, e, "council-tax", url, "address")
	mustCustomer(t, e, "res-a")
	mustLink(t, e, "res-a", "council-tax", "CT-1")
	return secret
}

func report(t *testing.T, e *env) *Change {
	t.Helper()
	ch, err := e.svc.ReportChange(ctx, "res-a", moveRequest(today()))
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	return ch
}

func problems(t *testing.T, e *env) []PropagationProblem {
	t.Helper()
	page, err := e.svc.ListPropagationProblems(ctx, "")
	if err != nil {
		t.Fatalf("problems: %v", err)
	}
	return page.Items
}

// A receiver refusing the payload (400) fails the delivery for a person to
// look at; staff see it, and retry it once the receiver is fixed.
func TestRejectedDeliveryIsAStaffProblemUntilRetried(t *testing.T) {
	e := newTestEnv(t)
	r := newReceiver(t)
	var fixed atomic.Bool
	r.answer = func(int, http.ResponseWriter) (int, bool) {
		if fixed.Load() {
			return http.StatusAccepted, true
		}
		return http.StatusBadRequest, false
	}
	r.setSecret(oneService(t, e, r.url()))
	ch := report(t, e)
	got := waitService(t, e, "res-a", ch.ID, "council-tax", StatusFailed)
	if got.Status != StatusFailed || got.Services[0].LastError != "HTTP 400" || got.Services[0].Attempts != 1 {
		t.Errorf("after a 400: %+v", got.Services[0])
	}
	time.Sleep(100 * time.Millisecond) // a failed delivery is not retried on its own
	if n := r.count(); n != 1 {
		t.Errorf("receiver got %d requests after a 400; want 1", n)
	}
	ps := problems(t, e)
	if len(ps) != 1 || ps[0].ChangeID != ch.ID || ps[0].Connector != "council-tax" || ps[0].LastError != "HTTP 400" || ps[0].Names.EN == "" {
		t.Fatalf("problems = %+v", ps)
	}
	if err := e.svc.RetryPropagation(ctx, ch.ID, "library"); !errors.Is(err, ErrNotFound) {
		t.Errorf("retrying a service the change does not have: %v", err)
	}
	fixed.Store(true)
	if err := e.svc.RetryPropagation(ctx, ch.ID, "council-tax"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := e.svc.RetryPropagation(ctx, ch.ID, "council-tax"); !errors.Is(err, ErrNotFailed) && !errors.Is(err, ErrConflict) {
		t.Errorf("retrying twice: %v", err)
	}
	got = waitService(t, e, "res-a", ch.ID, "council-tax", StatusDelivered)
	if got.Status != StatusDelivered {
		t.Errorf("overall after retry = %s", got.Status)
	}
	ds := r.deliveries()
	if len(ds) != 2 || ds[0].Key != ds[1].Key || ds[1].Key != deliveryKey(ch.ID, "council-tax") {
		t.Errorf("deliveries = %d, keys %q; want 2 with one Idempotency-Key", len(ds), []string{ds[0].Key, ds[len(ds)-1].Key})
	}
	if ps := problems(t, e); len(ps) != 0 {
		t.Errorf("problems after a successful retry: %+v", ps)
	}
	if dead, _ := e.ob.Dead(ctx, ""); len(dead.Items) != 0 {
		t.Errorf("the retried job is still dead: %+v", dead.Items)
	}
	if err := e.svc.RetryPropagation(ctx, ch.ID, "council-tax"); !errors.Is(err, ErrNotFailed) {
		t.Errorf("retrying a delivered one: %v", err)
	}
	r.checkClean(t)
}

// A receiver that is down (nothing listening) and comes back gets the
// change once.
func TestReceiverDownThenBack(t *testing.T) {
	e := newTestEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &receiver{applied: map[string]int{}}
	r.setSecret(oneService(t, e, "http://"+addr+"/tell-us-once"))
	ch := report(t, e)
	waitFor(t, 10*time.Second, "a few failed attempts", func() bool {
		c, _ := e.svc.GetChange(ctx, "res-a", ch.ID)
		return c.Services[0].Status == StatusRetrying && c.Services[0].Attempts >= 3 && c.Services[0].LastError == "connection failed"
	})
	if c, _ := e.svc.GetChange(ctx, "res-a", ch.ID); c.Status != StatusRetrying {
		t.Errorf("overall while down = %s; want retrying", c.Status)
	}
	var l2 net.Listener
	waitFor(t, 5*time.Second, "the port again", func() bool {
		l2, err = net.Listen("tcp", addr)
		return err == nil
	})
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Listener.Close()
	r.srv.Listener = l2
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	waitService(t, e, "res-a", ch.ID, "council-tax", StatusDelivered)
	time.Sleep(300 * time.Millisecond) // longer than the longest backoff: nothing more comes
	if n, applied := r.count(), r.applied[deliveryKey(ch.ID, "council-tax")]; n != 1 || applied != 1 {
		t.Errorf("receiver got %d requests, applied %d; want 1 and 1", n, applied)
	}
	r.checkClean(t)
}

// At least once: a receiver that applied the change but whose answer was
// lost (a 503 here) sees the same Idempotency-Key again and applies it once.
func TestRepeatedDeliveryCarriesTheSameKey(t *testing.T) {
	e := newTestEnv(t)
	r := newReceiver(t)
	r.answer = func(n int, _ http.ResponseWriter) (int, bool) {
		if n == 1 {
			return http.StatusServiceUnavailable, true // applied, then the answer went wrong
		}
		return http.StatusOK, true
	}
	r.setSecret(oneService(t, e, r.url()))
	ch := report(t, e)
	waitService(t, e, "res-a", ch.ID, "council-tax", StatusDelivered)
	ds := r.deliveries()
	if len(ds) != 2 || ds[0].Key != ds[1].Key || string(ds[0].Raw) != string(ds[1].Raw) {
		t.Fatalf("got %d requests; want 2 with the same key and body", len(ds))
	}
	r.mu.Lock()
	applied, repeats := r.applied[ds[0].Key], r.repeats
	r.mu.Unlock()
	if applied != 1 || repeats != 1 {
		t.Errorf("applied %d times, %d repeats; want once and one repeat", applied, repeats)
	}

	// The handler itself run twice for one job (a lease that ran out) sends
	// nothing more once the change is delivered there.
	job := outbox.Job{Kind: PropagateKind, Key: ds[0].Key, Attempts: 1, MaxAttempts: 10}
	job.Payload = []byte(`{"change_id":"` + ch.ID + `","connector":"council-tax"}`)
	if err := e.svc.propagate(ctx, job); err != nil || r.count() != 2 {
		t.Errorf("re-running a delivered job: %v, %d requests; want nothing sent", err, r.count())
	}
	if c, _ := e.svc.GetChange(ctx, "res-a", ch.ID); c.Services[0].Status != StatusDelivered {
		t.Errorf("status after a repeat run = %s", c.Services[0].Status)
	}
}

// 429 with Retry-After: the next attempt waits as long as asked, although
// the outbox's own backoff here is 20ms.
func TestRetryAfterIsHonoured(t *testing.T) {
	e := newTestEnv(t)
	r := newReceiver(t)
	r.answer = func(n int, w http.ResponseWriter) (int, bool) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			return http.StatusTooManyRequests, false
		}
		return http.StatusOK, true
	}
	r.setSecret(oneService(t, e, r.url()))
	ch := report(t, e)
	got := waitService(t, e, "res-a", ch.ID, "council-tax", StatusRetrying)
	if got.Services[0].LastError != "HTTP 429" {
		t.Errorf("last error = %q", got.Services[0].LastError)
	}
	waitService(t, e, "res-a", ch.ID, "council-tax", StatusDelivered)
	ds := r.deliveries()
	if gap := ds[1].At.Sub(ds[0].At); gap < time.Second {
		t.Errorf("second attempt %v after a Retry-After of 1s", gap)
	}
}

// Redirects are answers, not instructions: the target is never called.
func TestRedirectsAreNotFollowed(t *testing.T) {
	e := newTestEnv(t)
	target := newReceiver(t)
	r := newReceiver(t)
	r.answer = func(_ int, w http.ResponseWriter) (int, bool) {
		w.Header().Set("Location", target.url())
		return http.StatusTemporaryRedirect, false
	}
	r.setSecret(oneService(t, e, r.url()))
	ch := report(t, e)
	got := waitService(t, e, "res-a", ch.ID, "council-tax", StatusFailed)
	if got.Services[0].LastError != "HTTP 307 (redirects are not followed)" {
		t.Errorf("last error = %q", got.Services[0].LastError)
	}
	time.Sleep(50 * time.Millisecond)
	if target.count() != 0 {
		t.Error("the redirect was followed")
	}
}

// A receiver that never answers in time is retried, and fails for good
// after the outbox's last attempt, its job dead and listed for staff.
func TestTimeoutsRetryAndLastAttemptFails(t *testing.T) {
	obOpts := fastOutbox
	obOpts.MaxAttempts = 3
	e := newEnv(t, obOpts, Options{AllowLoopbackHTTP: true, DeliveryTimeout: 100 * time.Millisecond})
	r := newReceiver(t)
	r.answer = func(int, http.ResponseWriter) (int, bool) {
		r.mu.Unlock()
		time.Sleep(300 * time.Millisecond) // past the delivery timeout
		r.mu.Lock()
		return http.StatusOK, false
	}
	r.setSecret(oneService(t, e, r.url()))
	ch := report(t, e)
	got := waitService(t, e, "res-a", ch.ID, "council-tax", StatusFailed)
	if got.Services[0].Attempts != 3 || got.Services[0].LastError != "timeout" {
		t.Errorf("after the last attempt: %+v", got.Services[0])
	}
	waitFor(t, 5*time.Second, "the job to be dead", func() bool {
		dead, _ := e.ob.Dead(ctx, "")
		return len(dead.Items) == 1 && dead.Items[0].Key == deliveryKey(ch.ID, "council-tax")
	})
	if ps := problems(t, e); len(ps) != 1 || ps[0].Attempts != 3 {
		t.Errorf("problems = %+v", ps)
	}
}

// A connector disabled after the change was reported fails its delivery.
func TestDisabledConnectorFailsItsDeliveries(t *testing.T) {
	obOpts := fastOutbox
	e := newEnv(t, obOpts, Options{AllowLoopbackHTTP: true})
	r := newReceiver(t)
	r.setSecret(oneService(t, e, r.url()))
	if err := e.db.Tx(ctx, func(txCtx context.Context) error {
		// Disable in the same transaction as the report, so no worker can
		// deliver in between.
		if _, err := e.svc.ReportChange(txCtx, "res-a", moveRequest(today())); err != nil {
			return err
		}
		_, err := e.svc.DisableConnector(txCtx, "council-tax")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	page, _ := e.svc.ListChanges(ctx, "res-a", "")
	got := waitService(t, e, "res-a", page.Items[0].ID, "council-tax", StatusFailed)
	if got.Services[0].LastError != "connector disabled or removed" || r.count() != 0 {
		t.Errorf("status %+v, %d requests", got.Services[0], r.count())
	}
}

// A job that died without its status being recorded (its worker lost on
// the last attempt) is still found: staff listing matches dead jobs to
// their changes.
func TestDeadJobsWithoutAStatusAreFound(t *testing.T) {
	e := newTestEnv(t)
	r := newReceiver(t)
	r.answer = func(int, http.ResponseWriter) (int, bool) { return http.StatusGone, false }
	r.setSecret(oneService(t, e, r.url()))
	ch := report(t, e)
	waitService(t, e, "res-a", ch.ID, "council-tax", StatusFailed)
	waitFor(t, 5*time.Second, "the dead job", func() bool {
		dead, _ := e.ob.Dead(ctx, "")
		return len(dead.Items) == 1
	})
	// Pretend the outcome was never written.
	if err := e.svc.setStatus(ctx, ch.ID, "council-tax", statusUpdate{status: StatusRetrying, attempts: 1}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.svc.GetChange(ctx, "res-a", ch.ID); c.Status != StatusRetrying {
		t.Fatalf("status = %s", c.Status)
	}
	ps := problems(t, e)
	if len(ps) != 1 || ps[0].ChangeID != ch.ID || ps[0].LastError != "job died" {
		t.Fatalf("problems = %+v", ps)
	}
	if err := e.svc.RetryPropagation(ctx, ch.ID, "council-tax"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	waitFor(t, 5*time.Second, "the second attempt", func() bool { return r.count() == 2 })
	waitService(t, e, "res-a", ch.ID, "council-tax", StatusFailed)
}
