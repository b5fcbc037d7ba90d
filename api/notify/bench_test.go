package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// BenchmarkAlertStreaming streams an alert to 5,000 followers (reading
// pages and queuing one job per resident) against a baseline in the same
// run: queuing the same jobs straight into the outbox, a thousand to a
// transaction. The ratio is what streaming costs over the bare outbox.
func BenchmarkAlertStreaming(b *testing.B) {
	const n = 5000
	e := newEnv(b, envConfig{noStart: true})
	seedMembers(b, e, 0, n, "PL4")
	long, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	var base, stream time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		enqueueDirect(b, e, fmt.Sprintf("base%d", i), n)
		base += time.Since(start)

		id := mustSendAlert(b, e, Alert{Topic: TopicServiceAlerts, Area: "PL4", Title: "T", Body: "B", By: "staff-1"})
		payload, _ := json.Marshal(alertJob{Alert: id})
		start = time.Now()
		if err := e.svc.streamAlert(long, outbox.Job{Payload: payload}); err != nil {
			b.Fatal(err)
		}
		stream += time.Since(start)
	}
	b.ReportMetric(float64(n*b.N)/stream.Seconds(), "recipients/s")
	b.ReportMetric(float64(n*b.N)/base.Seconds(), "baseline-jobs/s")
	b.ReportMetric(stream.Seconds()/base.Seconds(), "ratio")
}

func enqueueDirect(b *testing.B, e *env, prefix string, n int) {
	b.Helper()
	for lo := 0; lo < n; lo += store.MaxLimit {
		err := e.db.Tx(ctx, func(tx context.Context) error {
			for i := lo; i < min(lo+store.MaxLimit, n); i++ {
				ev := Event{Key: prefix + ":" + residentID(i), Kind: KindAlert, Topic: TopicServiceAlerts, To: Recipient{Resident: residentID(i)}}
				if err := e.ob.Enqueue(tx, KindDeliverJob, "notify:"+ev.Key, deliverJob{Event: ev, Alert: prefix}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender renders a case update in every language, as each
// delivery does once.
func BenchmarkRender(b *testing.B) {
	s := &Service{opts: Options{Localize: localize()}}
	ev := caseEvent("k", "r")
	for b.Loop() {
		for _, lang := range Languages {
			s.render(lang, ev, true)
		}
	}
}
