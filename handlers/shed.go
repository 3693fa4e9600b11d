package handlers

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Load bounds the work the hub takes on at once. Past capacity a request
// that cannot start soon is refused at once with 503 and Retry-After,
// instead of queueing for seconds behind the others and holding memory
// while it waits: the requests admitted keep their latency, and clients
// (vegeta, a vendor's retry loop, a browser) learn to come back.
type Load struct {
	// MaxInFlight is how many requests the portal, the vendor pages and the
	// API work on at once; 0 means DefaultMaxInFlight(). Provider webhooks
	// have a quarter of it (at least 2) to themselves, so that an API
	// overload never refuses delivery events and the other way round.
	MaxInFlight int
	// QueueWait is how long a request may wait for a slot before it is
	// refused; 0 means DefaultQueueWait. At most queueDepth × MaxInFlight
	// requests wait; the next are refused at once.
	QueueWait time.Duration
	// RequestTimeout is the deadline of each admitted request's context,
	// which cancels its database queries; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// Defaults of Load: a wait long enough to ride out a pause of the database
// or the collector (a checkpoint's fsync, a digest batch holding SQLite's one
// connection) and short against "queueing for seconds", and a deadline far
// above any healthy request. With a wait of 100 ms and at most MaxInFlight
// waiting, the bench smoke run's PUTs at 500/s, below capacity (p50 3 ms),
// lost 4 to 102 of 1,500 to 503 in four runs: at 500/s a stall of 100 ms
// brings 50 requests, far more than 8 slots and 8 waiting places. With
// these defaults two runs lost none.
const (
	DefaultQueueWait      = 500 * time.Millisecond
	DefaultRequestTimeout = 10 * time.Second
	// queueDepth × MaxInFlight requests may wait at once. A waiting request
	// holds a goroutine and its headers, not its body (nothing reads it
	// before a slot), so the queue costs little memory.
	queueDepth = 16
)

// DefaultMaxInFlight is four requests per CPU, at most twice PostgreSQL's
// pool of 20 connections. A request spends part of its time waiting on the
// database, so a few per CPU keep every CPU busy; more only queue inside the
// hub, each behind all those ahead of it. In the bench's inbox attack on 2
// CPUs past capacity, 40 in flight served 54 % with p50 207 ms and p99
// 653 ms; 8 served the same share with p50 36 ms and p99 205 ms.
func DefaultMaxInFlight() int {
	return min(40, 4*runtime.GOMAXPROCS(0))
}

// errOverloaded is a request refused, or cut off by its deadline, because
// the hub has more work than it can do in time.
var errOverloaded = errors.New("the hub is overloaded")

// limiter hands out a fixed number of slots; a request waits a little for
// one, with a bounded number of others, then gives up.
type limiter struct {
	slots   chan struct{}
	waiting atomic.Int64
	wait    time.Duration
	shed    prometheus.Counter
}

func newLimiter(n int, wait time.Duration, shed prometheus.Counter) *limiter {
	return &limiter{slots: make(chan struct{}, n), wait: wait, shed: shed}
}

// acquire takes a slot, waiting at most l.wait; false when none came.
func (l *limiter) acquire(ctx context.Context) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	if l.waiting.Add(1) > int64(queueDepth*cap(l.slots)) {
		l.waiting.Add(-1)
		return false
	}
	defer l.waiting.Add(-1)
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (l *limiter) release() { <-l.slots }

// shedder is the hub's two limiters and the request deadline.
type shedder struct {
	app, webhooks *limiter
	timeout       time.Duration
}

func newShedder(cfg Load, reg *prometheus.Registry) *shedder {
	n := cfg.MaxInFlight
	if n <= 0 {
		n = DefaultMaxInFlight()
	}
	wait := cfg.QueueWait
	if wait <= 0 {
		wait = DefaultQueueWait
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	shed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "duehub_http_shed_total",
		Help: "Requests refused with 503 because every slot of their pool was busy (app: portal, vendor pages and API; webhooks: provider webhooks).",
	}, []string{"pool"})
	s := &shedder{
		app:      newLimiter(n, wait, shed.WithLabelValues("app")),
		webhooks: newLimiter(max(2, n/4), wait, shed.WithLabelValues("webhooks")),
		timeout:  timeout,
	}
	inFlight := func(l *limiter) func() float64 { return func() float64 { return float64(len(l.slots)) } }
	reg.MustRegister(shed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "duehub_http_in_flight", Help: "Requests being worked on.",
			ConstLabels: prometheus.Labels{"pool": "app"}}, inFlight(s.app)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "duehub_http_in_flight", Help: "Requests being worked on.",
			ConstLabels: prometheus.Labels{"pool": "webhooks"}}, inFlight(s.webhooks)))
	return s
}

// pool is the limiter of a path; nil for the operator's probes and the
// static description pages, which must answer however busy the hub is.
func (s *shedder) pool(path string) *limiter {
	switch {
	case path == "/healthz", path == "/readyz", path == "/metrics", path == "/openapi.yaml",
		strings.HasPrefix(path, "/problems/"):
		return nil
	case strings.HasPrefix(path, "/webhooks/"):
		return s.webhooks
	}
	return s.app
}

// shedLoad admits a request when its pool has a slot, gives it its
// deadline, and refuses it with 503 otherwise.
func (s *Server) shedLoad(c *gin.Context) {
	l := s.shed.pool(c.Request.URL.Path)
	if l == nil {
		c.Next()
		return
	}
	if !l.acquire(c.Request.Context()) {
		l.shed.Inc()
		s.overloaded(c)
		return
	}
	defer l.release()
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.shed.timeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	if !strings.HasPrefix(c.Request.URL.Path, "/v1/") && !strings.HasPrefix(c.Request.URL.Path, "/webhooks/") {
		// The pages' forms are small; net/http would read up to 10 MB of
		// form per request. The API and the webhooks have their own limits.
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, pageMaxBody)
	}
	c.Next()
}

// pageMaxBody bounds the body of a portal or vendor page form.
const pageMaxBody = 1 << 20

// overloadedPage is what a browser gets: the portal's and the vendor pages'
// answer when the hub is too busy, with no database work to render it.
const overloadedPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Too busy right now · duehub</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>Too busy right now</h1>
<p>The hub has more requests than it can answer at this moment. Nothing was changed. Please reload the page in a few seconds.</p>
</body></html>
`

// overloaded answers 503 with Retry-After: a page for a browser, the
// overloaded problem for everyone else.
func (s *Server) overloaded(c *gin.Context) {
	c.Header("Retry-After", "1")
	c.Header("Cache-Control", "no-store")
	if strings.Contains(c.GetHeader("Accept"), "text/html") {
		c.Header("Content-Security-Policy", pageCSP)
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(overloadedPage))
		c.Abort()
		return
	}
	writeProblem(c, problemFor(errOverloaded))
}
