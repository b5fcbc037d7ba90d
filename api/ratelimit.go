package api

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// rateLimit gives each client a token bucket. Health, readiness and metrics
// are exempt so that probes and scrapes never see a 429.
func (s *Server) rateLimit(c *fiber.Ctx) error {
	if isOpsRoute(c.Path()) {
		return c.Next()
	}
	ok, wait := s.limiter.allow(rateKey(s.clientIP(c)))
	if ok {
		return c.Next()
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return &problem{kind: kindRateLimited, count: secs}
}

// maxBuckets bounds the limiter's memory (about 100 bytes a client) whatever
// number of addresses a flood comes from.
const maxBuckets = 100_000

// limiter is a token bucket per client: burst tokens, refilled at rate per
// second. A bucket idle long enough to be full again is the same as no
// bucket, so sweeping those loses nothing.
type limiter struct {
	rate     float64
	burst    float64
	fullTime time.Duration // how long an empty bucket takes to fill
	now      func() time.Time

	mu      sync.Mutex
	buckets map[netip.Addr]bucket

	done     chan struct{}
	stopOnce sync.Once
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{
		rate:     rate,
		burst:    float64(burst),
		fullTime: time.Duration(float64(burst) / rate * float64(time.Second)),
		now:      now,
		buckets:  map[netip.Addr]bucket{},
		done:     make(chan struct{}),
	}
}

// allow takes a token from key's bucket, or says how long until there is one.
func (l *limiter) allow(key netip.Addr) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.evictOne()
		}
		b = bucket{tokens: l.burst, last: now}
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		l.buckets[key] = b
		return true, 0
	}
	l.buckets[key] = b
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// evictOne drops a bucket when the map is full: a full bucket if one comes
// quickly, else any (map order is random), which only forgives that client.
func (l *limiter) evictOne() {
	now, n := l.now(), 0
	for k, b := range l.buckets {
		if n++; now.Sub(b.last) >= l.fullTime || n == 16 {
			delete(l.buckets, k)
			return
		}
	}
}

func (l *limiter) sweep() {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, b := range l.buckets {
		if now.Sub(b.last) >= l.fullTime {
			delete(l.buckets, k)
		}
	}
}

func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *limiter) sweepEvery(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.sweep()
		case <-l.done:
			return
		}
	}
}

func (l *limiter) stop() { l.stopOnce.Do(func() { close(l.done) }) }

// rateKey groups IPv6 clients by /64, the block one household or phone is
// given; keying by full address would let one client take 2^64 buckets.
func rateKey(a netip.Addr) netip.Addr {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// trustedProxies are the reverse proxies whose X-Forwarded-For we believe.
type trustedProxies []netip.Prefix

func parseTrustedProxies(list []string) (trustedProxies, error) {
	var out trustedProxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("api: trusted proxy %q: want an IP address or CIDR", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (t trustedProxies) contains(a netip.Addr) bool {
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of the client. Behind trusted proxies it is the
// right-most X-Forwarded-For entry that is not itself a trusted proxy: the
// left part of the header is whatever the client chose to send, so taking
// the first entry (as Fiber's c.IP() does) would let anyone pick their key.
func (s *Server) clientIP(c *fiber.Ctx) netip.Addr {
	remote, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	remote = remote.Unmap()
	if len(s.proxies) == 0 || !s.proxies.contains(remote) {
		return remote
	}
	client := remote
	headers := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	for i := len(headers) - 1; i >= 0; i-- {
		hops := bytes.Split(headers[i], []byte{','})
		for j := len(hops) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(string(bytes.TrimSpace(hops[j])))
			if err != nil {
				return client // garbage from beyond the last proxy we trust
			}
			client = a.Unmap()
			if !s.proxies.contains(client) {
				return client
			}
		}
	}
	return client
}
