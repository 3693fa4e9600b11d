package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The vendor's page of one customer (issue 13): what it owes, when it was
// reminded and will be next, its conversations, promises and payments, and
// everything its payer did. Every read is scoped by the member's vendor:
// another vendor's customer is the not-found page.

type customerPageData struct {
	ID                             int64
	Name, ExternalID, Email, Phone string
	LastReminded, NextReminder     string
	Open                           []customerInvoiceView
	Owed                           []string // per currency
	Threads                        []queueThread
	Promises                       []customerPromiseView
	Payments                       []customerPaymentView
	Activity                       []activityView
}

type customerInvoiceView struct {
	Number, AmountDue, Remaining, Due string
	Overdue                           bool
	// LateRisk is the chance it is paid more than a week late, with the
	// first reason (issue 16); empty when the hub has no estimate.
	LateRisk, LateRiskReason string
}

type customerPromiseView struct {
	Invoice, Amount, By, State string
}

type customerPaymentView struct {
	Invoices, Amount, PaidOn, Method, Status string
}

type activityView struct {
	At, What string
}

// customerActivityLimit bounds the activity on the customer page; the
// thread page shows the latest few.
const (
	customerActivityLimit = 50
	threadActivityLimit   = 5
)

// vendorCustomerPage answers GET /vendor/customers/:id.
func (s *Server) vendorCustomerPage(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.vendorNotFound(c)
		return
	}
	ctx, m, now := c.Request.Context(), member(c), s.now()
	o, err := s.payers.CustomerOverview(ctx, m.VendorID, id, now)
	if err != nil {
		s.vendorFailed(c, err)
		return
	}
	loc := s.vendorLocation(ctx, m.VendorID)
	cu := o.Customer
	d := customerPageData{ID: cu.ID, Name: firstNonEmpty(cu.Name, cu.ExternalID), ExternalID: cu.ExternalID, Email: cu.Email,
		Phone: cu.Phone, LastReminded: "Not in the last 120 days", NextReminder: nextReminderText(o.Payer, o.PreviousSlot, loc, now)}
	if o.LastReminded != nil {
		d.LastReminded = formatMoment(*o.LastReminded, loc)
	}
	owed := money.Totals{}
	today := civilOf(now, loc)
	for _, inv := range o.Open {
		d.Open = append(d.Open, customerInvoiceView{Number: inv.Number, AmountDue: money.Format(inv.AmountDue, inv.Currency),
			Remaining: money.Format(inv.AmountRemaining, inv.Currency), Due: formatDay(inv.DueDate), Overdue: inv.DueDate.Before(today)})
		owed.Add(inv.Currency, inv.AmountRemaining)
	}
	d.Owed = owed.List()
	if err := s.addCustomerRisks(ctx, m.VendorID, o.Open, d.Open); err != nil {
		s.fail(c, err)
		return
	}
	if d.Threads, err = s.customerThreads(ctx, m.VendorID, id, now); err != nil {
		s.fail(c, err)
		return
	}
	for _, p := range o.Promises {
		amount := p.Amount
		if amount == 0 {
			amount = p.AmountRemaining
		}
		v := customerPromiseView{Invoice: p.InvoiceNumber, Amount: money.Format(amount, p.Currency), By: formatDay(p.Promised()), State: "Standing"}
		switch {
		case p.SupersededBy != nil:
			v.State = "Replaced by a later promise"
		case p.BrokenAt != nil:
			v.State = "Broken " + formatDay(civilOf(*p.BrokenAt, loc))
		case p.ReleasedAt != nil:
			v.State = "Ended " + formatDay(civilOf(*p.ReleasedAt, loc))
		}
		d.Promises = append(d.Promises, v)
	}
	pays, err := s.payers.VendorPayments(ctx, m.VendorID, payers.VendorPaymentFilter{CustomerID: id, Limit: 100})
	if err != nil {
		s.fail(c, err)
		return
	}
	for i := len(pays) - 1; i >= 0; i-- { // newest first
		p := pays[i]
		v := customerPaymentView{Invoices: invoiceNumbers(p), Amount: money.Format(p.Amount, p.Currency), PaidOn: formatDay(p.PaidOn),
			Method: strings.ReplaceAll(p.Method, "_", " "), Status: "Awaiting your confirmation"}
		if p.ConfirmedAt != nil {
			v.Status = "Confirmed " + formatDay(civilOf(*p.ConfirmedAt, loc))
		}
		d.Payments = append(d.Payments, v)
	}
	if d.Activity, err = s.customerActivity(ctx, m.VendorID, id, loc, customerActivityLimit); err != nil {
		s.fail(c, err)
		return
	}
	s.renderVendor(c, http.StatusOK, "customer", vendorPage{Title: d.Name, Data: d})
}

// customerThreads lists the customer's threads, newest first.
func (s *Server) customerThreads(ctx context.Context, vendorID, customerID int64, now time.Time) ([]queueThread, error) {
	views, err := s.threads.VendorThreads(ctx, vendorID, threads.VendorThreadFilter{CustomerID: customerID, Limit: 200})
	if err != nil {
		return nil, err
	}
	out := make([]queueThread, 0, len(views))
	for i := len(views) - 1; i >= 0; i-- {
		v := views[i]
		q := queueThread{ID: v.ID, Subject: threadSubject(v), Age: ageText(now.Sub(v.CreatedAt)), State: vendorStateText[v.State],
			Waiting: v.State == threads.ThreadOpen}
		if v.Kind == threads.ThreadDispute {
			q.Reason, q.Amount = reasonLabel(v.Reason), money.Format(v.DisputedAmount, v.Currency)
		}
		out = append(out, q)
	}
	return out, nil
}

// customerActivity says what the customer's payer did, newest first.
func (s *Server) customerActivity(ctx context.Context, vendorID, customerID int64, loc *time.Location, limit int) ([]activityView, error) {
	acts, err := s.payers.CustomerActivity(ctx, vendorID, customerID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]activityView, len(acts))
	for i, a := range acts {
		what := map[string]string{
			payers.ActivityMuted: "Muted your reminders", payers.ActivityUnmuted: "Unmuted your reminders",
			payers.ActivityResumed: "Resumed every reminder", payers.ActivityPayClick: "Went to pay " + vendors.InvoiceName(a.Detail),
			payers.ActivityUnsubscribed: "Unsubscribed " + a.Detail,
		}[a.Kind]
		switch a.Kind {
		case payers.ActivityPaused:
			what = "Paused every reminder"
			if day, err := civil.Parse(a.Detail); err == nil {
				what += " until " + formatDay(day)
			}
		case payers.ActivityCredit:
			what = "Applied " + money.Format(a.Amount, a.Currency) + " of credit to " + vendors.InvoiceName(a.Detail)
		}
		out[i] = activityView{At: formatMoment(a.CreatedAt, loc), What: what}
	}
	return out, nil
}

// nextReminderText says when the payer's next digest can go out (the
// first window its minimum interval allows after prev, its latest regular
// slot: issue 11), or why none will.
func nextReminderText(p payers.Payer, prev time.Time, loc *time.Location, now time.Time) string {
	switch {
	case !p.EmailEnabled && !p.SMSEnabled:
		return "Unsubscribed"
	case p.PausedUntil != nil && p.PausedUntil.After(now):
		return "Paused until " + formatDay(civilOf(p.PausedUntil.Add(-time.Nanosecond), p.Location()))
	}
	if w, ok := bundler.ScheduleOf(p, p.Location()).NextSend(prev, now); ok {
		return formatMoment(w, loc)
	}
	return "—"
}

func invoiceNumbers(p payers.VendorPayment) string {
	numbers := make([]string, len(p.Invoices))
	for i, l := range p.Invoices {
		numbers[i] = l.InvoiceNumber
	}
	return strings.Join(numbers, ", ")
}

// addCustomerRisks fills the late-payment risk of the customer's open
// invoices (views in the order of open) when risk is on (issue 16).
func (s *Server) addCustomerRisks(ctx context.Context, vendorID int64, open []payers.CustomerInvoice, views []customerInvoiceView) error {
	if s.risk == nil || len(open) == 0 {
		return nil
	}
	ids := make([]int64, len(open))
	for i, inv := range open {
		ids[i] = inv.ID
	}
	risks, err := s.risk.Risks(ctx, vendorID, ids)
	if err != nil {
		return err
	}
	for i, inv := range open {
		r, ok := risks[inv.ID]
		if !ok || r.Probability == nil {
			continue
		}
		views[i].LateRisk = riskPercent(r.P())
		if len(r.Reasons) > 0 {
			views[i].LateRiskReason = r.Reasons[0]
		}
	}
	return nil
}
