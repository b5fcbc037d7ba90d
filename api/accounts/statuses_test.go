package accounts

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

// Outcomes written at once, for many services of many changes, all land:
// group commits lose none and mix none up.
func TestConcurrentStatusesAllLand(t *testing.T) {
	e := newTestEnv(t)
	const changes, services = 12, 10
	now := time.Now().UTC().Truncate(time.Millisecond)
	ids := make([]string, changes)
	for c := range changes {
		ch := &Change{ResidentID: "res-a", Kind: KindName, Status: StatusPending, CreatedAt: now, UpdatedAt: now}
		for i := range services {
			ch.Services = append(ch.Services, ServiceStatus{Connector: fmt.Sprintf("svc-%d", i), Status: StatusPending})
		}
		if err := e.svc.changes.Insert(ctx, ch); err != nil {
			t.Fatal(err)
		}
		ids[c] = ch.ID
	}
	var wg sync.WaitGroup
	for c := range changes {
		for i := range services {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status := StatusDelivered
				if i == 0 && c%2 == 0 {
					status = StatusFailed
				}
				u := statusUpdate{status: status, attempts: c + 1, jobID: fmt.Sprintf("job-%d-%d", c, i)}
				if err := e.svc.setStatus(ctx, ids[c], fmt.Sprintf("svc-%d", i), u); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	for c, id := range ids {
		ch, err := e.svc.changes.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := StatusDelivered
		if c%2 == 0 {
			want = StatusFailed
		}
		if ch.Status != want {
			t.Errorf("change %d: %s; want %s", c, ch.Status, want)
		}
		for i, sv := range ch.Services {
			if sv.JobID != fmt.Sprintf("job-%d-%d", c, i) || sv.Attempts != c+1 {
				t.Errorf("change %d service %d = %+v", c, i, sv)
			}
		}
	}
	if err := e.svc.setStatus(ctx, store.NewID(), "svc-0", statusUpdate{status: StatusDelivered}); err != nil {
		t.Errorf("an outcome for a change that is gone: %v", err)
	}
}
