package bundler

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/branding"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// Window is how far ahead a digest looks: invoices overdue or due within it.
const Window = 14

// Config wires a Runner.
type Config struct {
	DB      *gorm.DB
	Payers  *payers.Store
	Vendors *vendors.Store
	// Senders per channel; a channel without a sender is not planned.
	Senders map[notify.Channel]notify.Sender
	// Off lists channels the hub runs with turned off (DUEHUB_SMS=off):
	// payers reachable on one are reported skipped, ReasonChannelOff.
	Off     []notify.Channel
	Links   *links.Signer
	BaseURL string
	// Brands gives each vendor's section of an email digest its logo and
	// accent colour (issue 15); nil leaves every section unbranded.
	Brands *branding.Store
	// From and FromName identify the hub on email.
	From, FromName string
	// ReplyTo, when set, gives a digest email its Reply-To address (package
	// inbound: reply+<token>@<inbound domain>); "" sets none.
	ReplyTo func(ctx context.Context, payerID, digestID int64) (string, error)
	// StaleAfter is how late a slot may still be sent (0: 24 h).
	StaleAfter time.Duration
	// OtherClock says Now is not the hub's clock (`digests run --now`): the
	// planner then reads every payer owing something and leaves
	// next_plan_at and the invalidations alone, since instants decided on
	// that clock would hide payers from the hub's own planner.
	OtherClock bool
	// SendConcurrency is how many messages of a channel the runner has with
	// its provider at once, over all its batches (0: DefaultSendConcurrency;
	// see LimitSends).
	SendConcurrency int
	// SettleEvery bounds how long sent rows of a batch wait for their
	// outcome to commit (0: DefaultSettleEvery); a crash re-sends at most
	// what went out in that time.
	SettleEvery time.Duration
	// LeaseRenewEvery is how often a batch renews the claim of the rows it
	// still holds (0: StuckAfter/3; tests shorten it).
	LeaseRenewEvery time.Duration
	// BatchSize is how many rows RunOnce sends per batch (0:
	// DefaultBatchSize, DefaultSQLiteBatchSize on SQLite).
	BatchSize int
	Now       func() time.Time
	Log       *slog.Logger
}

// Runner plans digests into the ledger and sends them.
type Runner struct {
	cfg  Config
	zone zoneCache
	// slots bound the messages of each channel with its provider at once,
	// over every batch this runner sends (channel → semaphore).
	slots sync.Map
}

// LimitSends sets how many messages of a channel this runner has with its
// provider at once, over all its batches (default SendConcurrency). River
// sets it to the channel's queue workers, so that a hanging provider holds
// that many sends and no more. Call it before sending.
func (r *Runner) LimitSends(ch notify.Channel, n int) {
	if n > 0 {
		r.slots.Store(string(ch), make(chan struct{}, n))
	}
}

func (r *Runner) sendSlots(ch string) chan struct{} {
	if s, ok := r.slots.Load(ch); ok {
		return s.(chan struct{})
	}
	s, _ := r.slots.LoadOrStore(ch, make(chan struct{}, r.cfg.SendConcurrency))
	return s.(chan struct{})
}

// NewRunner returns a Runner.
func NewRunner(cfg Config) *Runner {
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.SendConcurrency <= 0 {
		cfg.SendConcurrency = DefaultSendConcurrency
	}
	if cfg.SettleEvery <= 0 {
		cfg.SettleEvery = DefaultSettleEvery
	}
	if cfg.LeaseRenewEvery <= 0 {
		cfg.LeaseRenewEvery = StuckAfter / 3
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
		if cfg.DB != nil && cfg.DB.Dialector.Name() == "sqlite" {
			cfg.BatchSize = DefaultSQLiteBatchSize
		}
	}
	return &Runner{cfg: cfg}
}

// scheduleOf turns a payer's stored preferences into its Schedule.
func (r *Runner) scheduleOf(p payers.Payer) Schedule {
	return ScheduleOf(p, r.zone.get(p.TimezoneName()))
}

// ScheduleOf turns a payer's stored preferences into its Schedule in loc,
// the payer's timezone: with the rhythm, its learned day and hour or the
// default.
func ScheduleOf(p payers.Payer, loc *time.Location) Schedule {
	s := Schedule{
		Location:    loc,
		Cadence:     Cadence(p.Cadence),
		Weekday:     time.Weekday(p.Weekday),
		Hour:        p.SendHour,
		Minute:      p.SendMinute,
		MinInterval: time.Duration(p.MinIntervalHours) * time.Hour,
	}
	if s.Cadence == CadenceRhythm || s.Cadence == "" {
		day, hour := RhythmWeekday, DefaultHour
		if p.RhythmWeekday != nil && p.RhythmHour != nil {
			day, hour = time.Weekday(*p.RhythmWeekday), *p.RhythmHour
		}
		return RhythmSchedule(s.Location, day, hour)
	}
	for _, d := range strings.Split(p.RunDays, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(d)); err == nil {
			s.RunDays = append(s.RunDays, n)
		}
	}
	return s
}

// zoneCache loads each IANA zone once: a run looks up every payer's zone.
type zoneCache struct{ m sync.Map }

func (z *zoneCache) get(name string) *time.Location {
	if l, ok := z.m.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	z.m.Store(name, loc)
	return loc
}
