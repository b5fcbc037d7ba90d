package accounts

import (
	"net"
	"net/http/httptest"
	"testing"
	"time"
)

// One of the ten receivers is down for 30 s while b.N moves are reported.
// Every change still reaches it once it is back, and since each delivery
// carries the same Idempotency-Key on every attempt, it applies none twice.
//
//	go test -run '^$' -bench TellUsOnceReceiverDown -benchtime 1000x ./api/accounts/
func BenchmarkTellUsOnceReceiverDown(b *testing.B) {
	const downFor = 30 * time.Second
	s := newBenchSetup(b, 40)
	down := s.servers[0]
	addr := down.Listener.Addr().String()
	down.Listener.Close()
	down.CloseClientConnections()

	b.ResetTimer()
	start := time.Now()
	ids := make([]string, b.N)
	for i := range b.N {
		r := i % len(s.residents)
		s.moves[r]++
		ch, err := s.e.svc.ReportChange(ctx, s.residents[r], moveRequest(DateOf(time.Now().AddDate(-2, 0, s.moves[r]))))
		if err != nil {
			b.Fatalf("report: %v", err)
		}
		ids[i] = ch.ID
	}
	time.Sleep(downFor - time.Since(start))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		b.Fatalf("the receiver's port is taken: %v", err)
	}
	back := httptest.NewUnstartedServer(down.Config.Handler)
	back.Listener.Close()
	back.Listener = l
	back.Start()
	b.Cleanup(back.Close)
	upAt := time.Now()
	for _, id := range ids {
		select {
		case <-s.a.get(id).done:
		case <-time.After(3 * time.Minute):
			b.Fatalf("change %s never reached every receiver", id)
		}
	}
	b.StopTimer()
	b.ReportMetric(time.Since(upAt).Seconds(), "s-to-catch-up")
	b.ReportMetric(float64(s.a.repeats.Load()), "repeats-not-applied")
	b.ReportMetric(float64(b.N), "changes-all-delivered")
}
