package accounts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/outbox"
)

// Tell Us Once with ten linked services on local receivers: the time from
// ReportChange to every receiver holding the change ("told") and to the
// change reading delivered ("recorded"), p50 and p99. Run with
//
//	go test -run '^$' -bench TellUsOnce -benchtime 1000x ./api/accounts/
//
// "direct" is the baseline in the same run: the same ten signed POSTs sent
// at once by plain goroutines, no store and no outbox.

const benchServices = 10

// arrivals counts, per change, the receivers that have it.
type arrivals struct {
	mu      sync.Mutex
	seen    map[string]*arrival
	repeats atomic.Int64 // deliveries whose Idempotency-Key the receiver had already applied
}

type arrival struct {
	n    int
	done chan struct{}
}

func (a *arrivals) get(id string) *arrival {
	a.mu.Lock()
	defer a.mu.Unlock()
	x := a.seen[id]
	if x == nil {
		x = &arrival{done: make(chan struct{})}
		a.seen[id] = x
	}
	return x
}

func (a *arrivals) add(id string) {
	x := a.get(id)
	a.mu.Lock()
	defer a.mu.Unlock()
	if x.n++; x.n == benchServices {
		close(x.done)
	}
}

// benchReceiver checks the signature and counts the arrival, as a light
// back office would.
func benchReceiver(b *testing.B, a *arrivals, secret *string) *httptest.Server {
	var once sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if p := checkDelivery(r, body, *secret); p != "" {
			b.Errorf("receiver: %s", p)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m struct {
			ChangeID string `json:"change_id"`
		}
		json.Unmarshal(body, &m)
		if _, dup := once.LoadOrStore(r.Header.Get("Idempotency-Key"), true); !dup {
			a.add(m.ChangeID)
		} else {
			a.repeats.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	return srv
}

type benchSetup struct {
	e         *env
	a         *arrivals
	servers   []*httptest.Server
	urls      []string
	secrets   []string
	residents []string
	moves     []int // per resident, to keep each move after the last
}

func newBenchSetup(b *testing.B, residents int) *benchSetup {
	obOpts := outbox.Options{Workers: 16}
	s := &benchSetup{e: newEnv(b, obOpts, Options{AllowLoopbackHTTP: true}), a: &arrivals{seen: map[string]*arrival{}}}
	s.secrets = make([]string, benchServices)
	for i := range benchServices {
		srv := benchReceiver(b, s.a, &s.secrets[i])
		key := fmt.Sprintf("service-%02d", i)
		s.secrets[i] = mustConnector(b, s.e, key, srv.URL+"/hook", "address", "name")
		s.urls = append(s.urls, srv.URL+"/hook")
		s.servers = append(s.servers, srv)
	}
	for r := range residents {
		id := fmt.Sprintf("res-%04d", r)
		mustCustomer(b, s.e, id)
		for i := range benchServices {
			mustLink(b, s.e, id, fmt.Sprintf("service-%02d", i), fmt.Sprintf("REF-%04d-%02d", r, i))
		}
		s.residents = append(s.residents, id)
	}
	s.moves = make([]int, residents)
	return s
}

// tellOnce reports one move by resident r and waits until every receiver
// has it, then until the change reads delivered.
func (s *benchSetup) tellOnce(b *testing.B, r int) (told, recorded time.Duration) {
	s.moves[r]++
	date := DateOf(time.Now().AddDate(-2, 0, s.moves[r]))
	start := time.Now()
	ch, err := s.e.svc.ReportChange(ctx, s.residents[r], moveRequest(date))
	if err != nil {
		b.Fatalf("report: %v", err)
	}
	<-s.a.get(ch.ID).done
	told = time.Since(start)
	for {
		c, err := s.e.svc.GetChange(ctx, s.residents[r], ch.ID)
		if err != nil {
			b.Fatalf("get change: %v", err)
		}
		if c.Status == StatusDelivered {
			return told, time.Since(start)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func BenchmarkTellUsOnce(b *testing.B) {
	b.Run("direct", benchDirect)
	b.Run("sequential", func(b *testing.B) { benchReport(b, 1) })
	b.Run("concurrent-8", func(b *testing.B) { benchReport(b, 8) })
}

// benchReport runs b.N changes from `inFlight` reporters at once, each
// using its own residents (40 residents, ten links each).
func benchReport(b *testing.B, inFlight int) {
	s := newBenchSetup(b, 40)
	told := make([]time.Duration, b.N)
	recorded := make([]time.Duration, b.N)
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < b.N; i += inFlight {
				r := g + inFlight*((i/inFlight)%(len(s.residents)/inFlight))
				told[i], recorded[i] = s.tellOnce(b, r)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	reportLatency(b, "told", told)
	reportLatency(b, "recorded", recorded)
}

// benchDirect is the floor: ten signed POSTs at once, nothing stored.
func benchDirect(b *testing.B) {
	s := newBenchSetup(b, 0)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for n := range b.N {
		id := fmt.Sprintf("direct-%d", n)
		body, _ := json.Marshal(webhookBody{ChangeID: id, Kind: KindAddress, EffectiveDate: today(), Reference: "REF"})
		start := time.Now()
		var wg sync.WaitGroup
		for i := range benchServices {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, s.urls[i], bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(HeaderIdempotency, id+":"+s.urls[i])
				req.Header.Set(HeaderSignature, sign(s.secrets[i], time.Now().Unix(), body))
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		wg.Wait()
		<-s.a.get(id).done
		lat[n] = time.Since(start)
	}
	b.StopTimer()
	reportLatency(b, "told", lat)
}

func reportLatency(b *testing.B, name string, ds []time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(at(0.50), name+"-p50-ms")
	b.ReportMetric(at(0.99), name+"-p99-ms")
	if name == "told" {
		b.ReportMetric(float64(len(s))/b.Elapsed().Seconds(), "changes/s")
	}
}
