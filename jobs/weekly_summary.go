package jobs

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/riverqueue/river"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The weekly summary (issue 12): on Monday from 08:00 vendor-local, each
// active admin of each vendor gets one email with the past week's figures
// (Monday to Sunday in the vendor's time zone, as package analytics counts
// a vendor's days), how they changed against the week before, and the
// threads awaiting a reply past the vendor's response-time target (business
// days in the vendor's time zone too), linked to the web inbox. A row of
// weekly_summaries per vendor, week and admin, claimed before the send,
// makes it once per week even with several hubs; a hub down all Monday
// skips that week rather than mailing mid-week.

// WeeklySummaryHour is the vendor-local hour on Monday the summary is due.
const WeeklySummaryHour = 8

//go:embed templates/weekly_summary.txt
var weeklyFS embed.FS

var weeklyText = template.Must(template.ParseFS(weeklyFS, "templates/weekly_summary.txt"))

// WeeklySummary sends vendor admins their weekly summary.
type WeeklySummary struct {
	cfg WeeklySummaryConfig
}

// WeeklySummaryConfig is what WeeklySummary needs.
type WeeklySummaryConfig struct {
	Vendors   *vendors.Store
	Threads   *threads.Store
	Analytics *analytics.Store
	Mailer    notify.Sender
	From      string
	BaseURL   string
	Now       func() time.Time
	Log       *slog.Logger
}

// NewWeeklySummary returns a WeeklySummary.
func NewWeeklySummary(cfg WeeklySummaryConfig) *WeeklySummary {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &WeeklySummary{cfg: cfg}
}

// Send sends every weekly summary that is due and returns how many emails
// went out. A failed email is given back and retried by the next pass.
func (w *WeeklySummary) Send(ctx context.Context) (int, error) {
	vs, err := w.cfg.Vendors.SummaryVendors(ctx)
	if err != nil {
		return 0, err
	}
	now := w.cfg.Now()
	sent := 0
	var errs []error
	for _, v := range vs {
		loc, err := time.LoadLocation(v.Timezone)
		if err != nil {
			loc = time.UTC
		}
		local := now.In(loc)
		if local.Weekday() != time.Monday || local.Hour() < WeeklySummaryHour {
			continue
		}
		n, err := w.sendVendor(ctx, v, civil.Of(local), now, loc)
		sent += n
		if err != nil {
			errs = append(errs, fmt.Errorf("jobs: weekly summary of vendor %d: %w", v.ID, err))
		}
	}
	return sent, errors.Join(errs...)
}

// sendVendor emails the vendor's admins the summary of the week before
// monday, each once.
func (w *WeeklySummary) sendVendor(ctx context.Context, v vendors.SummaryVendorRow, monday civil.Date, now time.Time, loc *time.Location) (int, error) {
	admins, err := w.cfg.Vendors.WeeklySummaryAdmins(ctx, v.ID)
	if err != nil || len(admins) == 0 {
		return 0, err
	}
	week := monday.String()
	var mail *notify.Message
	sent := 0
	var errs []error
	for _, m := range admins {
		won, err := w.cfg.Vendors.ClaimWeeklySummary(ctx, v.ID, m.ID, week)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !won {
			continue
		}
		if mail == nil {
			if mail, err = w.compose(ctx, v, monday, now, loc); err != nil {
				errs = append(errs, err)
				if rerr := w.cfg.Vendors.ReleaseWeeklySummary(ctx, v.ID, m.ID, week); rerr != nil {
					errs = append(errs, rerr)
				}
				return sent, errors.Join(errs...)
			}
		}
		msg := *mail
		msg.ID = fmt.Sprintf("weekly-summary-%d-%s-%d", v.ID, strings.ReplaceAll(week, "-", ""), m.ID)
		msg.To = []string{m.Email}
		_, err = w.cfg.Mailer.Send(ctx, msg)
		switch {
		case notify.IsPermanent(err):
			// Retrying will not help: keep the claim, say so once.
			w.cfg.Log.Warn("cannot email the weekly summary", slog.Int64("vendor_id", v.ID), slog.Int64("member_id", m.ID), slog.Any("err", err))
		case err != nil:
			errs = append(errs, err)
			if rerr := w.cfg.Vendors.ReleaseWeeklySummary(ctx, v.ID, m.ID, week); rerr != nil {
				errs = append(errs, rerr)
			}
		default:
			sent++
			if err := w.cfg.Vendors.SentWeeklySummary(ctx, v.ID, m.ID, week); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return sent, errors.Join(errs...)
}

// weeklyView is what the email's template reads.
type weeklyView struct {
	Vendor, From, To, Target, BaseURL string
	Lines                             []weeklyLine
	Late                              []string
	More                              int
}

type weeklyLine struct{ Label, This, Before, Change string }

// compose writes one vendor's summary (To and ID are the caller's).
func (w *WeeklySummary) compose(ctx context.Context, v vendors.SummaryVendorRow, monday civil.Date, now time.Time, loc *time.Location) (*notify.Message, error) {
	this, err := w.cfg.Analytics.Compute(ctx, v.ID, analytics.Period{From: monday.AddDays(-7), To: monday.AddDays(-1)})
	if err != nil {
		return nil, err
	}
	before, err := w.cfg.Analytics.Compute(ctx, v.ID, analytics.Period{From: monday.AddDays(-14), To: monday.AddDays(-8)})
	if err != nil {
		return nil, err
	}
	hours, err := w.cfg.Vendors.ResponseTargetHours(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	late, err := w.pastTarget(ctx, v.ID, hours, now, loc)
	if err != nil {
		return nil, err
	}
	view := weeklyView{Vendor: oneLine(v.Name), From: monday.AddDays(-7).String(), To: monday.AddDays(-1).String(),
		Target: targetText(hours), BaseURL: w.cfg.BaseURL, Lines: weeklyLines(this, before)}
	for i, th := range late {
		if i == summaryList {
			view.More = len(late) - summaryList
			break
		}
		view.Late = append(view.Late, w.lateLine(th, now))
	}
	var b strings.Builder
	if err := weeklyText.Execute(&b, view); err != nil {
		return nil, fmt.Errorf("weekly summary template: %w", err)
	}
	subject := fmt.Sprintf("%s on duehub, week of %s: %s past your reply target", view.Vendor, view.From, plural(len(late), "thread"))
	return &notify.Message{Channel: notify.Email, From: w.cfg.From, Subject: subject, Text: b.String()}, nil
}

// pastTarget returns the vendor's threads awaiting its reply past the
// target now, longest waiting first: those the web inbox flags.
func (w *WeeklySummary) pastTarget(ctx context.Context, vendorID int64, hours int, now time.Time, loc *time.Location) ([]threads.VendorThreadView, error) {
	open, err := w.cfg.Threads.VendorThreads(ctx, vendorID, threads.VendorThreadFilter{State: threads.ThreadOpen})
	if err != nil {
		return nil, err
	}
	var out []threads.VendorThreadView
	for _, th := range open {
		if now.After(vendors.ReplyDeadline(th.WaitingSince(), hours, loc)) {
			out = append(out, th)
		}
	}
	slices.SortStableFunc(out, func(a, b threads.VendorThreadView) int { return a.WaitingSince().Compare(b.WaitingSince()) })
	return out, nil
}

func (w *WeeklySummary) lateLine(th threads.VendorThreadView, now time.Time) string {
	var b strings.Builder
	if th.Kind == threads.ThreadDispute {
		b.WriteString("Dispute")
	} else {
		b.WriteString("Question")
	}
	if th.Invoice != nil {
		b.WriteString(" on " + vendors.InvoiceName(oneLine(th.Invoice.Number)))
	}
	if th.Customer != nil {
		b.WriteString(" from " + oneLine(firstOf(th.Customer.Name, th.Customer.ExternalID)))
	}
	fmt.Fprintf(&b, ", waiting %s: %s/vendor/threads/%d", waitText(now.Sub(th.WaitingSince())), w.cfg.BaseURL, th.ID)
	return b.String()
}

func waitText(d time.Duration) string {
	if d < 48*time.Hour {
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

func targetText(hours int) string {
	if hours <= 0 {
		return "first reply within 1 business day"
	}
	return "first reply within " + plural(hours, "hour")
}

// weeklyLines are the week's figures beside the week before's.
func weeklyLines(this, before analytics.Report) []weeklyLine {
	lines := []weeklyLine{
		countLine("Threads answered", this.ResponseTime.FirstReply.Count, before.ResponseTime.FirstReply.Count),
		hoursLine("First reply, median", this.ResponseTime.FirstReply.MedianHours, before.ResponseTime.FirstReply.MedianHours),
		countLine("Threads past the target", this.ResponseTime.PastTarget, before.ResponseTime.PastTarget),
		hoursLine("Resolution, median", this.ResponseTime.Resolution.MedianHours, before.ResponseTime.Resolution.MedianHours),
		countLine("Disputes opened", disputes(this), disputes(before)),
	}
	paid, late := payments(this)
	paidBefore, lateBefore := payments(before)
	lines = append(lines, countLine("Invoices paid", paid, paidBefore), countLine("of them after the due date", late, lateBefore))
	// Money per currency, never summed across currencies.
	overdue, overdueBefore := overdueOf(this), overdueOf(before)
	for _, c := range currencies(overdue, overdueBefore) {
		l := weeklyLine{Label: "Overdue at the week's end, " + c, This: money.Format(overdue[c], c), Before: money.Format(overdueBefore[c], c)}
		l.Change = moneyChange(overdue[c]-overdueBefore[c], c)
		lines = append(lines, l)
	}
	dso, dsoBefore := ratioOf(this.DSO), ratioOf(before.DSO)
	for _, c := range currencies(dso, dsoBefore) {
		lines = append(lines, weeklyLine{Label: "DSO, " + c, This: daysText(dso[c]), Before: daysText(dsoBefore[c])})
	}
	return lines
}

func countLine(label string, this, before int) weeklyLine {
	l := weeklyLine{Label: label, This: strconv.Itoa(this), Before: strconv.Itoa(before)}
	switch d := this - before; {
	case d > 0:
		l.Change = "up " + strconv.Itoa(d)
	case d < 0:
		l.Change = "down " + strconv.Itoa(-d)
	}
	return l
}

func hoursLine(label string, this, before *float64) weeklyLine {
	return weeklyLine{Label: label, This: hoursText(this), Before: hoursText(before)}
}

func hoursText(h *float64) string {
	if h == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*h, 'f', 1, 64) + " h"
}

func daysText(d *float64) string {
	if d == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*d, 'f', 1, 64) + " days"
}

func moneyChange(d int64, currency string) string {
	switch {
	case d > 0:
		return "up " + money.Format(d, currency)
	case d < 0:
		return "down " + money.Format(-d, currency)
	}
	return ""
}

func disputes(r analytics.Report) int {
	n := 0
	for _, m := range r.DisputesByMonth {
		n += int(m.Count)
	}
	return n
}

func payments(r analytics.Report) (paid, late int) {
	for _, m := range r.LatePaymentsByMonth {
		paid += int(m.Paid)
		late += int(m.PaidLate)
	}
	return paid, late
}

func overdueOf(r analytics.Report) map[string]int64 {
	out := map[string]int64{}
	for _, a := range r.Aging {
		if a.Bucket != "current" {
			out[a.Currency] += a.Amount
		}
	}
	return out
}

func ratioOf(fs []analytics.CurrencyFigure) map[string]*float64 {
	out := map[string]*float64{}
	for _, f := range fs {
		out[f.Currency] = f.Value
	}
	return out
}

func currencies[V any](a, b map[string]V) []string {
	var out []string
	for c := range a {
		out = append(out, c)
	}
	for c := range b {
		if _, ok := a[c]; !ok {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// WeeklySummaryArgs asks for one pass of weekly summaries.
type WeeklySummaryArgs struct{}

// Kind names the job in River.
func (WeeklySummaryArgs) Kind() string { return "weekly_summary" }

type weeklySummaryWorker struct {
	river.WorkerDefaults[WeeklySummaryArgs]
	weekly *WeeklySummary
	log    *slog.Logger
}

// Timeout lets a pass over many vendors outlive a send's timeout.
func (w *weeklySummaryWorker) Timeout(*river.Job[WeeklySummaryArgs]) time.Duration {
	return passTimeout
}

func (w *weeklySummaryWorker) Work(ctx context.Context, job *river.Job[WeeklySummaryArgs]) error {
	n, err := w.weekly.Send(ctx)
	if n > 0 {
		w.log.Info("weekly summaries sent", slog.Int("emails", n))
	}
	// A failed email was given back: the next pass retries it.
	if err != nil {
		w.log.Warn("weekly summaries", slog.Any("err", err))
	}
	return nil
}

// addWeeklySummary registers the weekly summary worker and its periodic
// pass (leader-elected: one hub runs it at a time; the claims make a
// second one harmless).
func addWeeklySummary(cfg Config, workers *river.Workers, rc *river.Config) {
	if cfg.Weekly == nil {
		return
	}
	every := cfg.WeeklyEvery
	if every <= 0 {
		every = 5 * time.Minute
	}
	river.AddWorker(workers, &weeklySummaryWorker{weekly: cfg.Weekly, log: cfg.Log})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return WeeklySummaryArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: max(every, time.Second)}}
		},
		&river.PeriodicJobOpts{RunOnStart: true}))
}
