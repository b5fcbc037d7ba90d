package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"frontdoor/api/accounts"
	"frontdoor/api/outbox"
)

// Tell Us Once end to end over HTTP, with ten linked services on local
// receivers that check every signature and apply each Idempotency-Key once.
// Benchmarks only run with -bench, so `make test` stays fast:
//
//	go test -run '^$' -bench 'TellUsOnceHTTP' -benchtime 1000x ./api/
//	go test -run '^$' -bench 'TellUsOnceOutage' -benchtime 1x ./api/
//
// HTTP measures POST /api/v1/me/changes until every receiver has applied the
// change ("told") and until GET /api/v1/me/changes/{id} reads delivered
// ("delivered"). "direct" is the floor in the same run: the same ten signed
// POSTs sent at once by goroutines, with no API, store or outbox. The
// outbox runs as cmd runs it (16 workers, default backoff).

const benchLinks = 10

var benchOutbox = outbox.Options{Workers: 16}

// hookFarm is ten receivers counting, per change, how many have applied it.
type hookFarm struct {
	mu       sync.Mutex
	arrivals map[string]*arrival
	hooks    []*benchHook
}

type arrival struct {
	n    int
	done chan struct{}
	at   time.Time // when the last receiver applied it
}

func (f *hookFarm) arrival(id string) *arrival {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.arrivals[id]
	if a == nil {
		a = &arrival{done: make(chan struct{})}
		f.arrivals[id] = a
	}
	return a
}

func (f *hookFarm) applied(id string) {
	a := f.arrival(id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.n++; a.n == benchLinks {
		a.at = time.Now()
		close(a.done)
	}
}

// benchHook is one back office on a fixed loopback port, so that it can go
// down (refusing connections) and come back at the same address.
type benchHook struct {
	farm   *hookFarm
	addr   string
	secret string

	mu       sync.Mutex
	srv      *http.Server
	mode     hookMode
	applied  map[string]int // applications per Idempotency-Key
	requests int
	repeats  int // deliveries of a key already applied, recognized by it
	refused  []string
}

type hookMode int

const (
	hookUp          hookMode = iota
	hookLoseAnswers          // applies the change, then fails before answering (503)
)

func newBenchHook(tb testing.TB, farm *hookFarm) *benchHook {
	h := &benchHook{farm: farm, applied: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	h.addr = ln.Addr().String()
	h.serve(ln)
	tb.Cleanup(h.down)
	farm.hooks = append(farm.hooks, h)
	return h
}

func (h *benchHook) url() string { return "http://" + h.addr + "/frontdoor" }

func (h *benchHook) serve(ln net.Listener) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	h.mu.Lock()
	h.srv = srv
	h.mu.Unlock()
	go srv.Serve(ln)
}

// down closes the listener and every connection: deliveries are refused.
func (h *benchHook) down() {
	h.mu.Lock()
	srv := h.srv
	h.mu.Unlock()
	srv.Close()
}

func (h *benchHook) up() error {
	ln, err := net.Listen("tcp", h.addr)
	if err != nil {
		return err
	}
	h.serve(ln)
	return nil
}

func (h *benchHook) setMode(m hookMode) { h.mu.Lock(); h.mode = m; h.mu.Unlock() }

func (h *benchHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.requests++
	if p := checkSignature(r, body, h.secret, time.Now()); p != "" {
		h.refused = append(h.refused, p)
		h.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	key, first := r.Header.Get("Idempotency-Key"), false
	if h.applied[key] == 0 {
		h.applied[key], first = 1, true
	} else {
		h.repeats++ // applied before: acknowledge and change nothing
	}
	mode := h.mode
	h.mu.Unlock()
	if first {
		var m struct {
			ChangeID string `json:"change_id"`
		}
		json.Unmarshal(body, &m)
		h.farm.applied(m.ChangeID)
	}
	if mode == hookLoseAnswers {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// benchResidents is an API with ten connectors on a hook farm and
// residents who each linked all ten.
type benchResidents struct {
	e      *acctEnv
	farm   *hookFarm
	tokens []string
	moves  []int // moves so far per resident: each move starts after the last
}

func newBenchResidents(b *testing.B, residents int) *benchResidents {
	br := &benchResidents{e: newAcctEnvWith(b, benchOutbox), farm: &hookFarm{arrivals: map[string]*arrival{}}}
	b.Cleanup(benchClient.CloseIdleConnections) // before the server shuts down, which waits for open connections
	ctx := context.Background()
	for i := range benchLinks {
		h := newBenchHook(b, br.farm)
		_, secret, err := br.e.acct.CreateConnector(ctx, accounts.Connector{
			Key: fmt.Sprintf("service-%02d", i), Names: accounts.Names{EN: fmt.Sprintf("Service %d", i)}, URL: h.url(), Fields: []string{"address"},
		})
		if err != nil {
			b.Fatal(err)
		}
		h.secret = secret
	}
	for r := range residents {
		id := fmt.Sprintf("res-%04d", r)
		br.tokens = append(br.tokens, br.e.resident(b, id))
		for i := range benchLinks {
			br.e.link(b, id, fmt.Sprintf("service-%02d", i), fmt.Sprintf("REF-%04d-%02d", r, i))
		}
	}
	br.moves = make([]int, residents)
	return br
}

// move reports resident r's next move over HTTP and returns the change id.
func (br *benchResidents) move(r int) (string, error) {
	br.moves[r]++
	date := time.Now().AddDate(-2, 0, br.moves[r]).Format("2006-01-02")
	body := `{"kind": "address", "effective_date": "` + date + `", "values": {"address": {"line1": "2 Royal Parade", "town": "Plymouth", "postcode": "PL1 1DD"}}}`
	var ch changeView
	if err := benchCall("POST", br.e.url+"/api/v1/me/changes", br.tokens[r], body, 202, &ch); err != nil {
		return "", err
	}
	return ch.ID, nil
}

// waitDelivered polls GET /me/changes/{id} until it reads delivered.
func (br *benchResidents) waitDelivered(r int, id string, poll time.Duration) (changeView, error) {
	var ch changeView
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(poll) {
		if err := benchCall("GET", br.e.url+"/api/v1/me/changes/"+id, br.tokens[r], "", 200, &ch); err != nil {
			return ch, err
		}
		if ch.Status == accounts.StatusDelivered {
			return ch, nil
		}
	}
	return ch, errors.New("change " + id + " not delivered in 5 minutes")
}

var benchClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// benchCall is do for goroutines: it returns errors instead of failing.
func benchCall(method, url, token, body string, want int, out any) error {
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", jsonCT)
	}
	res, err := benchClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

func BenchmarkTellUsOnceHTTP(b *testing.B) {
	var floor float64
	b.Run("direct", func(b *testing.B) { floor = benchDirect(b) })
	b.Run("sequential", func(b *testing.B) { benchHTTP(b, 1, floor) })
	b.Run("concurrent-8", func(b *testing.B) { benchHTTP(b, 8, floor) })
}

// benchHTTP runs b.N moves from inFlight residents at a time.
func benchHTTP(b *testing.B, inFlight int, floor float64) {
	br := newBenchResidents(b, 40)
	told, delivered := make([]time.Duration, b.N), make([]time.Duration, b.N)
	errs := make(chan error, inFlight)
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range inFlight {
		wg.Go(func() {
			for i := g; i < b.N; i += inFlight {
				r := g + inFlight*((i/inFlight)%(len(br.tokens)/inFlight)) // each goroutine has its own residents
				start := time.Now()
				id, err := br.move(r)
				if err == nil {
					<-br.farm.arrival(id).done
					told[i] = time.Since(start)
					_, err = br.waitDelivered(r, id, time.Millisecond)
					delivered[i] = time.Since(start)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	p50 := reportPercentiles(b, "told", told)
	reportPercentiles(b, "delivered", delivered)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	if floor > 0 {
		b.ReportMetric(p50/floor, "told-p50-x-direct")
	}
	checkFarm(b, br.farm, b.N)
}

// benchDirect is the floor: ten signed POSTs at once, nothing stored. It
// returns the p50 in milliseconds.
func benchDirect(b *testing.B) float64 {
	br := newBenchResidents(b, 0)
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for n := range b.N {
		id := fmt.Sprintf("direct-%d", n)
		body := []byte(`{"change_id": "` + id + `", "kind": "address", "effective_date": "2025-01-01", "reference": "REF", "values": {}}`)
		start := time.Now()
		var wg sync.WaitGroup
		for _, h := range br.farm.hooks {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodPost, h.url(), bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", id+":"+h.addr)
				req.Header.Set("Frontdoor-Signature", benchSign(h.secret, body))
				if res, err := benchClient.Do(req); err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			})
		}
		wg.Wait()
		<-br.farm.arrival(id).done
		lat[n] = time.Since(start)
	}
	b.StopTimer()
	return reportPercentiles(b, "told", lat)
}

// BenchmarkTellUsOnceOutage: 1,000 moves over about 40 seconds while one
// of the ten receivers is out for 30 of them: first it applies what it gets
// but fails before answering (so the outbox sends it again), then it
// refuses connections. Once it is back every change must reach it, and the
// Idempotency-Key must keep it from applying any twice. It runs once
// whatever b.N is.
func BenchmarkTellUsOnceOutage(b *testing.B) {
	const changes, every = 1000, 40 * time.Millisecond
	const outageFrom, outageFor = 5 * time.Second, 30 * time.Second
	br := newBenchResidents(b, 40)
	flaky := br.farm.hooks[0]
	ids, starts := make([]string, changes), make([]time.Time, changes)
	b.ResetTimer()
	begin := time.Now()
	go func() {
		time.Sleep(outageFrom)
		flaky.setMode(hookLoseAnswers)
		time.Sleep(outageFor / 2)
		flaky.down()
		time.Sleep(outageFor / 2)
		flaky.setMode(hookUp)
		for flaky.up() != nil { // the port may take a moment to free
			time.Sleep(10 * time.Millisecond)
		}
	}()
	tick := time.NewTicker(every)
	for i := range changes {
		<-tick.C
		starts[i] = time.Now()
		id, err := br.move(i % len(br.tokens))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	tick.Stop()
	back := begin.Add(outageFrom + outageFor)
	lat := make([]time.Duration, changes)
	for i, id := range ids {
		a := br.farm.arrival(id)
		select {
		case <-a.done:
		case <-time.After(10 * time.Minute):
			b.Fatalf("change %d never reached every receiver", i)
		}
		lat[i] = a.at.Sub(starts[i])
	}
	last := slices.MaxFunc(ids, func(x, y string) int { return br.farm.arrival(x).at.Compare(br.farm.arrival(y).at) })
	drain := br.farm.arrival(last).at.Sub(back)
	recorded := make([]time.Duration, changes)
	for i, id := range ids { // every change says so, from its first write to its last
		ch, err := br.waitDelivered(i%len(br.tokens), id, 50*time.Millisecond)
		if err != nil {
			b.Fatal(err)
		}
		recorded[i] = ch.UpdatedAt.Sub(ch.CreatedAt)
	}
	b.StopTimer()
	reportPercentiles(b, "told", lat)
	reportPercentiles(b, "delivered", recorded)
	b.ReportMetric(drain.Seconds(), "drain-after-back-s")
	flaky.mu.Lock()
	b.ReportMetric(float64(flaky.repeats), "repeats-recognized")
	b.ReportMetric(float64(flaky.requests), "flaky-requests")
	flaky.mu.Unlock()
	checkFarm(b, br.farm, changes)
}

// checkFarm: every receiver applied every change exactly once, and saw
// no request it had to refuse.
func checkFarm(b *testing.B, f *hookFarm, changes int) {
	for i, h := range f.hooks {
		h.mu.Lock()
		if len(h.refused) > 0 {
			b.Errorf("receiver %d refused %d requests: %v", i, len(h.refused), h.refused[0])
		}
		if len(h.applied) != changes {
			b.Errorf("receiver %d applied %d changes, want %d", i, len(h.applied), changes)
		}
		for k, n := range h.applied {
			if n != 1 {
				b.Errorf("receiver %d applied %s %d times", i, k, n)
			}
		}
		h.mu.Unlock()
	}
}

// reportPercentiles reports p50 and p99 in milliseconds and returns the p50.
func reportPercentiles(b *testing.B, name string, ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(at(0.50), name+"-p50-ms")
	b.ReportMetric(at(0.99), name+"-p99-ms")
	return at(0.50)
}

// benchSign signs as a connector expects (see checkSignature).
func benchSign(secret string, body []byte) string {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
