package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The daily summary: at 08:00 vendor-local, once per local day, each
// vendor's team learns what is open, what broke since yesterday, and how
// fast it answers. A hub that was down at 08:00 sends it when it is back,
// the same day. A day with nothing open and nothing broken sends nothing.

// SummaryHour is the vendor-local hour the summary goes out.
const SummaryHour = 8

// summaryList bounds the threads listed by name in one summary.
const summaryList = 10

// SendSummaries sends every summary that is due and returns how many went
// out.
func (t *TeamMail) SendSummaries(ctx context.Context) (int, error) {
	vs, err := t.cfg.Vendors.SummaryVendors(ctx)
	if err != nil {
		return 0, err
	}
	now := t.cfg.Now()
	sent := 0
	var errs []error
	for _, v := range vs {
		loc, err := time.LoadLocation(v.Timezone)
		if err != nil {
			loc = time.UTC
		}
		local := now.In(loc)
		day := local.Format(time.DateOnly)
		if local.Hour() < SummaryHour || v.SummaryOn >= day {
			continue
		}
		won, err := t.cfg.Vendors.ClaimSummary(ctx, v.ID, day)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !won {
			continue
		}
		ok, err := t.summarize(ctx, v, loc, now)
		if notify.IsPermanent(err) {
			t.cfg.Log.Warn("cannot email the vendor's daily summary", slog.Int64("vendor_id", v.ID), slog.Any("err", err))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("jobs: summary of vendor %d: %w", v.ID, err))
			if rerr := t.cfg.Vendors.ReleaseSummary(ctx, v.ID, day, v.SummaryOn); rerr != nil {
				errs = append(errs, rerr)
			}
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// summary is what one vendor's summary says.
type summary struct {
	questions, disputes []threads.VendorThreadView
	awaiting            int // threads awaiting the team's first reply or next one
	broken              []payers.InboxPromise
	bounced             []payers.InboxContact
	payments            []payers.VendorPayment
	times               threads.ResponseTimes
}

func (s summary) empty() bool {
	return len(s.questions)+len(s.disputes)+len(s.broken)+len(s.bounced)+len(s.payments) == 0
}

// summarize sends one vendor's summary; false when there was nothing to
// say or nobody to tell.
func (t *TeamMail) summarize(ctx context.Context, v vendors.SummaryVendorRow, loc *time.Location, now time.Time) (bool, error) {
	var s summary
	var err error
	if s.questions, err = t.unresolved(ctx, v.ID, threads.ThreadQuestion); err != nil {
		return false, err
	}
	if s.disputes, err = t.unresolved(ctx, v.ID, threads.ThreadDispute); err != nil {
		return false, err
	}
	for _, th := range append(append([]threads.VendorThreadView{}, s.questions...), s.disputes...) {
		if th.State == threads.ThreadOpen {
			s.awaiting++
		}
	}
	since := now.Add(-24 * time.Hour)
	promises, err := t.cfg.Payers.InboxPromises(ctx, v.ID, since, since)
	if err != nil {
		return false, err
	}
	for _, p := range promises {
		if p.BrokenAt != nil {
			s.broken = append(s.broken, p)
		}
	}
	contacts, err := t.cfg.Payers.InboxContacts(ctx, v.ID)
	if err != nil {
		return false, err
	}
	for _, c := range contacts {
		if !c.CreatedAt.Before(since) {
			s.bounced = append(s.bounced, c)
		}
	}
	if s.payments, err = t.cfg.Payers.VendorPayments(ctx, v.ID, payers.VendorPaymentFilter{Status: payers.PaymentPending}); err != nil {
		return false, err
	}
	if s.times, err = t.cfg.Threads.InboxResponseTimes(ctx, v.ID, now.Add(-30*24*time.Hour)); err != nil {
		return false, err
	}
	if s.empty() {
		return false, nil
	}
	to, err := t.cfg.Vendors.TeamEmails(ctx, v.ID)
	if err != nil || len(to) == 0 {
		return false, err
	}
	msg := notify.Message{ID: fmt.Sprintf("team-summary-%d-%s", v.ID, now.In(loc).Format("20060102")), Channel: notify.Email,
		From: t.cfg.From, To: to, Subject: summarySubject(v.Name, s), Text: t.summaryText(s, loc, now)}
	if _, err := t.cfg.Mailer.Send(ctx, msg); err != nil {
		return false, err
	}
	return true, nil
}

// unresolved returns the vendor's open and answered threads of a kind.
func (t *TeamMail) unresolved(ctx context.Context, vendorID int64, kind string) ([]threads.VendorThreadView, error) {
	var out []threads.VendorThreadView
	for _, state := range []string{threads.ThreadOpen, threads.ThreadAnswered} {
		vs, err := t.cfg.Threads.VendorThreads(ctx, vendorID, threads.VendorThreadFilter{Kind: kind, State: state})
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

func summarySubject(vendor string, s summary) string {
	parts := []string{plural(len(s.questions), "open question"), plural(len(s.disputes), "open dispute")}
	if n := len(s.broken); n > 0 {
		parts = append(parts, plural(n, "broken promise"))
	}
	return oneLine(vendor) + " on duehub today: " + strings.Join(parts, ", ")
}

func (t *TeamMail) summaryText(s summary, loc *time.Location, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Here is what your customers sent through duehub, as of %s.\n\n", now.In(loc).Format("Mon 2 Jan 2006 15:04 MST"))
	fmt.Fprintf(&b, "OPEN: %s and %s, %d awaiting your reply.\n", plural(len(s.questions), "question"), plural(len(s.disputes), "dispute"), s.awaiting)
	for _, list := range [][]threads.VendorThreadView{s.disputes, s.questions} {
		for i, th := range list {
			if i == summaryList {
				fmt.Fprintf(&b, "  … and %d more\n", len(list)-summaryList)
				break
			}
			b.WriteString("  - " + t.threadLine(th, now) + "\n")
		}
	}
	if len(s.payments) > 0 {
		fmt.Fprintf(&b, "\nTO CONFIRM: %s reported by customers.\n", plural(len(s.payments), "payment"))
	}
	if len(s.broken)+len(s.bounced) > 0 {
		b.WriteString("\nBROKE SINCE YESTERDAY:\n")
		for _, p := range s.broken {
			amount := p.Amount
			if amount == 0 {
				amount = p.AmountRemaining
			}
			fmt.Fprintf(&b, "  - %s promised %s on %s by %s and has not paid\n", oneLine(p.CustomerName),
				money.Format(amount, p.Currency), vendors.InvoiceName(oneLine(p.InvoiceNumber)), locale.Day(locale.Default, p.Promised()))
		}
		for _, c := range s.bounced {
			fmt.Fprintf(&b, "  - %s cannot be reached at %s (%s)\n", oneLine(firstOf(c.CustomerName, c.ExternalID)), c.Address, strings.ToLower(payers.SuppressionLabel(c.Reason)))
		}
	}
	fmt.Fprintf(&b, "\nRESPONSE TIMES, last 30 days: first reply %s (median of %s), resolution %s (median of %s).\n",
		medianText(s.times.FirstReply, s.times.FirstReplyN), plural(s.times.FirstReplyN, "thread"),
		medianText(s.times.Resolution, s.times.ResolutionN), plural(s.times.ResolutionN, "thread"))
	fmt.Fprintf(&b, "\nOpen your inbox: %s/vendor\n", t.cfg.BaseURL)
	return b.String()
}

func (t *TeamMail) threadLine(th threads.VendorThreadView, now time.Time) string {
	var b strings.Builder
	if th.Kind == threads.ThreadDispute {
		fmt.Fprintf(&b, "Dispute (%s, %s)", threads.ReasonLabel(th.Reason), money.Format(th.DisputedAmount, th.Currency))
	} else {
		b.WriteString("Question")
	}
	if th.Invoice != nil {
		b.WriteString(" on " + vendors.InvoiceName(oneLine(th.Invoice.Number)))
	}
	if th.Customer != nil {
		b.WriteString(" from " + oneLine(firstOf(th.Customer.Name, th.Customer.ExternalID)))
	}
	if age := now.Sub(th.CreatedAt); age < 48*time.Hour {
		fmt.Fprintf(&b, ", %s old", plural(int(age/time.Hour), "hour"))
	} else {
		fmt.Fprintf(&b, ", %s old", plural(int(age/(24*time.Hour)), "day"))
	}
	if th.State == threads.ThreadOpen {
		b.WriteString(", awaiting your reply")
	}
	fmt.Fprintf(&b, ": %s/vendor/threads/%d", t.cfg.BaseURL, th.ID)
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func medianText(d time.Duration, n int) string {
	if n == 0 {
		return "n/a"
	}
	d = d.Round(time.Minute)
	if d >= 24*time.Hour {
		return fmt.Sprintf("%d d %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
