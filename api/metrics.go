package api

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus collectors of the HTTP layer and the store.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	store    *prometheus.HistogramVec
	build    *prometheus.GaugeVec
	push     *prometheus.CounterVec
	outbox   atomic.Pointer[outboxSource]
	series   sync.Map // seriesKey -> *requestSeries
}

type outboxSource struct {
	depth interface {
		Depth(ctx context.Context) (map[string]int64, error)
	}
	log *slog.Logger
}

// outboxScrapeTimeout bounds the outbox count a scrape waits for.
const outboxScrapeTimeout = 2 * time.Second

// NewMetrics registers Frontdoor's collectors, and the Go runtime and
// process collectors unless reg has them already, on reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdoor_http_requests_total",
			Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontdoor_http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontdoor_store_operation_duration_seconds",
			Help:    "Store operation latency by operation and collection.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"op", "collection"}),
		build: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "frontdoor_build_info",
			Help: "Always 1; the version label says which build is running.",
		}, []string{"version"}),
		push: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdoor_push_messages_total",
			Help: "Web Push deliveries by outcome: sent, failed, removed (the subscription is gone), retried.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.latency, m.store, m.build, m.push, outboxCollector{m})
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			panic(err)
		}
	}
	return m
}

// ObserveStore records one store operation; pass it to store.WithObserver.
func (m *Metrics) ObserveStore(op, collection string, d time.Duration) {
	m.store.WithLabelValues(op, collection).Observe(d.Seconds())
}

func (m *Metrics) attach(outbox interface {
	Depth(ctx context.Context) (map[string]int64, error)
}, log *slog.Logger, version string) {
	if outbox != nil {
		m.outbox.Store(&outboxSource{depth: outbox, log: log})
	}
	if version == "" {
		version = "dev"
	}
	m.build.WithLabelValues(version).Set(1)
}

// statusLabels avoids formatting a status for every request.
var statusLabels = func() (out [600]string) {
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

// requestSeries caches the counter and histogram of one route, method and
// status: looking them up by label values costs more than the request.
type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

type seriesKey struct {
	route, method string
	status        int
}

func (m *Metrics) observeRequest(route, method string, status int, d time.Duration) {
	key := seriesKey{route, method, status}
	s, ok := m.series.Load(key)
	if !ok {
		label := "other"
		if status >= 0 && status < len(statusLabels) {
			label = statusLabels[status]
		}
		s, _ = m.series.LoadOrStore(key, &requestSeries{
			count:   m.requests.WithLabelValues(route, method, label),
			latency: m.latency.WithLabelValues(route, method),
		})
	}
	series := s.(*requestSeries)
	series.count.Inc()
	series.latency.Observe(d.Seconds())
}

func (m *Metrics) handler() fiber.Handler {
	// Fiber's compression applies; promhttp's own would compress twice.
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{DisableCompression: true}))
}

// outboxCollector asks the outbox for its depth at scrape time, so the
// gauge is never stale and a state that empties disappears.
type outboxCollector struct{ m *Metrics }

var outboxDepthDesc = prometheus.NewDesc("frontdoor_outbox_jobs", "Outbox jobs by state.", []string{"state"}, nil)

func (o outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDepthDesc }

func (o outboxCollector) Collect(ch chan<- prometheus.Metric) {
	src := o.m.outbox.Load()
	if src == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), outboxScrapeTimeout)
	defer cancel()
	depth, err := src.depth.Depth(ctx)
	if err != nil {
		src.log.Warn("outbox depth for metrics", slog.String("error", err.Error()))
		return
	}
	for state, n := range depth {
		ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(n), state)
	}
}

// PushOutcome counts one Web Push delivery's outcome (push.Options.Observe).
func (m *Metrics) PushOutcome(outcome string) { m.push.WithLabelValues(outcome).Inc() }
