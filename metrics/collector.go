package metrics

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/duehub/duehub/console"
)

// Collector reads the series from the database, at most once per
// CacheFor (scrapes in between get the same figures), each read bounded
// by Timeout.
type Collector struct {
	db       *gorm.DB
	log      *slog.Logger
	now      func() time.Time
	CacheFor time.Duration
	Timeout  time.Duration

	mu      sync.Mutex
	at      time.Time
	samples []prometheus.Metric
}

// New returns a collector on db; register it on the /metrics registry.
func New(db *gorm.DB, log *slog.Logger) *Collector {
	return &Collector{db: db, log: log, now: time.Now, CacheFor: 10 * time.Second, Timeout: 5 * time.Second}
}

var (
	digests = prometheus.NewDesc("duehub_digests_total",
		"Digests planned and finished, by channel and outcome (sent, failed, expired, empty), network-wide.",
		[]string{"channel", "outcome"}, nil)
	digestsPending = prometheus.NewDesc("duehub_digests_pending",
		"Digests planned and not yet finished (pending or being sent), by channel.", []string{"channel"}, nil)
	providerErrors = prometheus.NewDesc("duehub_provider_errors_total",
		"Failed delivery attempts by channel and class (transient, rate_limited, permanent, suppressed).",
		[]string{"channel", "class"}, nil)
	suppressions = prometheus.NewDesc("duehub_suppressions",
		"Addresses and numbers suppressed now, by channel and reason.", []string{"channel", "reason"}, nil)
	webhookDeliveries = prometheus.NewDesc("duehub_webhook_deliveries_total",
		"Webhook deliveries finished, by outcome (delivered, failed).", []string{"outcome"}, nil)
	webhooksPending = prometheus.NewDesc("duehub_webhook_deliveries_pending",
		"Webhook deliveries not finished yet (first try or retrying).", nil, nil)
	queueJobs = prometheus.NewDesc("duehub_queue_jobs",
		"River jobs by queue and state (completed jobs left out).", []string{"queue", "state"}, nil)
	queueOldest = prometheus.NewDesc("duehub_queue_oldest_job_age_seconds",
		"Seconds since the oldest job of the queue in the state was due.", []string{"queue", "state"}, nil)
	inboundReplies = prometheus.NewDesc("duehub_inbound_messages_total",
		"Replies stored from email or SMS, by source and status (routed, held, rejected, ignored, received), network-wide. "+
			"duehub_inbound_replies_total counts this process's routing decisions.",
		[]string{"source", "status"}, nil)
	providerEvents = prometheus.NewDesc("duehub_provider_events_total",
		"Delivery events received from providers' webhooks (bounces, deliveries, STOP), by provider.", []string{"provider"}, nil)
	vendorsByStatus = prometheus.NewDesc("duehub_vendors",
		"Vendors by the operator's status (active, pending, suspended).", []string{"status"}, nil)
	scrapeErrors = prometheus.NewDesc("duehub_metrics_scrape_errors",
		"1 when a query of the last collection failed (the log says which).", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{digests, digestsPending, webhooksPending, providerErrors, suppressions, webhookDeliveries, queueJobs, queueOldest,
		inboundReplies, providerEvents, vendorsByStatus, scrapeErrors} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.samples == nil || c.now().Sub(c.at) >= c.CacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
		c.samples = c.read(ctx)
		cancel()
		c.at = c.now()
	}
	for _, m := range c.samples {
		ch <- m
	}
}

type labelled struct {
	A, B string
	N    float64
}

func (c *Collector) read(ctx context.Context) []prometheus.Metric {
	var out []prometheus.Metric
	failed := 0.0
	// zeros lists label values reported 0 when no row has them, so that
	// alerts and the dashboard see every series from the first scrape.
	group := func(desc *prometheus.Desc, kind prometheus.ValueType, query string, labels int, zeros ...[]string) {
		var rows []labelled
		seen := map[string]bool{}
		defer func() {
			for _, z := range zeros {
				if !seen[strings.Join(z, "\x00")] {
					out = append(out, prometheus.MustNewConstMetric(desc, kind, 0, z...))
				}
			}
		}()
		if err := c.db.WithContext(ctx).Raw(query).Scan(&rows).Error; err != nil {
			failed = 1
			if c.log != nil {
				c.log.Warn("metrics query failed", "metric", desc.String(), "err", err)
			}
			return
		}
		for _, r := range rows {
			vals := []string{r.A, r.B}[:labels]
			seen[strings.Join(vals, "\x00")] = true
			out = append(out, prometheus.MustNewConstMetric(desc, kind, r.N, vals...))
		}
	}
	group(digests, prometheus.CounterValue, `SELECT channel AS a, status AS b, COUNT(*) AS n
FROM digests WHERE status NOT IN ('pending', 'sending') GROUP BY 1, 2`, 2, cross(channels, []string{"sent", "failed", "expired", "empty"})...)
	group(digestsPending, prometheus.GaugeValue, `SELECT channel AS a, COUNT(*) AS n
FROM digests WHERE status IN ('pending', 'sending') GROUP BY 1`, 1, []string{"email"}, []string{"sms"})
	group(providerErrors, prometheus.CounterValue, `SELECT d.channel AS a,
  CASE WHEN a.error LIKE '%suppress%' THEN 'suppressed'
       WHEN a.error LIKE '%(429)%' THEN 'rate_limited'
       WHEN a.status = 'failed' OR a.error LIKE 'notify: permanent%' THEN 'permanent'
       ELSE 'transient' END AS b, COUNT(*) AS n
FROM delivery_attempts a JOIN digests d ON d.id = a.digest_id WHERE a.status IN ('retry', 'failed') GROUP BY 1, 2`, 2,
		cross(channels, []string{"transient", "rate_limited", "permanent", "suppressed"})...)
	group(suppressions, prometheus.GaugeValue, `SELECT channel AS a, reason AS b, COUNT(*) AS n FROM suppressions GROUP BY 1, 2`, 2,
		[]string{"email", "bounce"}, []string{"email", "spamreport"}, []string{"email", "unsubscribe"}, []string{"sms", "sms_stop"})
	group(webhookDeliveries, prometheus.CounterValue, `SELECT status AS a, COUNT(*) AS n FROM webhook_deliveries
WHERE status IN ('delivered', 'failed') GROUP BY 1`, 1, []string{"delivered"}, []string{"failed"})
	group(webhooksPending, prometheus.GaugeValue, `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'sending')`, 0)
	group(inboundReplies, prometheus.CounterValue, `SELECT source AS a, status AS b, COUNT(*) AS n FROM inbound_replies GROUP BY 1, 2`, 2,
		cross([]string{"sendgrid", "smtp", "twilio"}, []string{"routed", "held", "rejected", "ignored"})...)
	group(providerEvents, prometheus.CounterValue, `SELECT provider AS a, COUNT(*) AS n FROM provider_events GROUP BY 1`, 1, []string{"sendgrid"}, []string{"twilio"})
	group(vendorsByStatus, prometheus.GaugeValue, `SELECT status AS a, COUNT(*) AS n FROM vendors GROUP BY 1`, 1, []string{"active"}, []string{"pending"}, []string{"suspended"}, []string{"sandbox"})

	qs, err := console.QueueStates(ctx, c.db, c.now())
	if err != nil {
		failed = 1
		if c.log != nil {
			c.log.Warn("metrics query failed", "metric", "duehub_queue_jobs", "err", err)
		}
	}
	// Every state is reported, 0 when empty, so alerts see the series.
	seen := map[[2]string]bool{}
	for _, q := range qs {
		seen[[2]string{q.Queue, q.State}] = true
		out = append(out, prometheus.MustNewConstMetric(queueJobs, prometheus.GaugeValue, float64(q.Jobs), q.Queue, q.State))
		out = append(out, prometheus.MustNewConstMetric(queueOldest, prometheus.GaugeValue, q.OldestAge.Seconds(), q.Queue, q.State))
	}
	for _, st := range []string{"available", "scheduled", "running", "retryable", "discarded"} {
		if !seen[[2]string{"default", st}] {
			out = append(out, prometheus.MustNewConstMetric(queueJobs, prometheus.GaugeValue, 0, "default", st))
			out = append(out, prometheus.MustNewConstMetric(queueOldest, prometheus.GaugeValue, 0, "default", st))
		}
	}
	out = append(out, prometheus.MustNewConstMetric(scrapeErrors, prometheus.GaugeValue, failed))
	return out
}

var channels = []string{"email", "sms"}

// cross is every pair of a and b.
func cross(a, b []string) [][]string {
	var out [][]string
	for _, x := range a {
		for _, y := range b {
			out = append(out, []string{x, y})
		}
	}
	return out
}
