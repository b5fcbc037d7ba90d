package accounts

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"frontdoor/api/notify"
)

// told records the notifications a service queues.
type told struct {
	mu     sync.Mutex
	events []notify.Event
}

func (t *told) Notify(_ context.Context, ev notify.Event) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events = append(t.events, ev)
	return nil
}

func (t *told) kinds() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, ev := range t.events {
		out = append(out, ev.Kind)
	}
	return out
}

// TestResidentToldOfProgress: as each linked service takes a change the
// resident hears of it, then once that all are done; a service that cannot
// be told is a failure message, not silence.
func TestResidentToldOfProgress(t *testing.T) {
	rec := &told{}
	e := newEnv(t, fastOutbox, Options{AllowLoopbackHTTP: true, DeliveryTimeout: 2 * time.Second, Tell: rec, BaseURL: "https://frontdoor.test"})
	mustCustomer(t, e, "res-a")
	for _, key := range []string{"council-tax", "electoral"} {
		r := newReceiver(t)
		r.setSecret(mustConnector(t, e, key, r.url(), "address"))
		mustLink(t, e, "res-a", key, "REF-"+key)
	}
	ch, err := e.svc.ReportChange(ctx, "res-a", moveRequest(today()))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"council-tax", "electoral"} {
		waitService(t, e, "res-a", ch.ID, key, StatusDelivered)
	}
	kinds := rec.kinds()
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{notify.KindTUODone, notify.KindTUOProgress}) {
		t.Fatalf("told %v, want one progress and one done", kinds)
	}
	for _, ev := range rec.events {
		if ev.To.Resident != "res-a" || ev.URL != "https://frontdoor.test/account/changes/"+ch.ID || ev.Data["Total"] != 2 {
			t.Errorf("event %+v", ev)
		}
	}

	refusing := newReceiver(t)
	refusing.answer = func(int, http.ResponseWriter) (int, bool) { return http.StatusUnprocessableEntity, false }
	refusing.setSecret(mustConnector(t, e, "library", refusing.url(), "name"))
	mustLink(t, e, "res-a", "library", "LIB-1")
	ch2, err := e.svc.ReportChange(ctx, "res-a", ChangeRequest{Kind: KindName, EffectiveDate: today(), Channel: "web",
		Values: ChangeValues{Name: &Name{Given: "Augusta", Family: "King"}}})
	if err != nil {
		t.Fatal(err)
	}
	waitService(t, e, "res-a", ch2.ID, "library", StatusFailed)
	if !slices.Contains(rec.kinds(), notify.KindTUOFailed) {
		t.Errorf("no failure message: %v", rec.kinds())
	}
}
