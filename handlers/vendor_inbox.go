package handlers

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The vendor web inbox: the AR team's queues of what payers sent, scoped by
// the signed-in member's vendor. Server-rendered like the portal, with its
// own templates and session.

//go:embed templates/vendor/*.html
var vendorFS embed.FS

var vendorPages = pageSet(vendorFS, "templates/vendor")

// vendorPage is what every vendor page gets; Data is the page's own.
type vendorPage struct {
	Title      string
	CSRF       string
	Member     vendors.Member
	VendorName string
	// VendorStatus is the vendor's status (issue 15: pending until approved).
	VendorStatus string
	Flash        string
	Error        string
	Data         any
	// Stripe is true when vendors can connect Stripe (issue 17).
	Stripe bool
}

func (s *Server) renderVendor(c *gin.Context, status int, page string, p vendorPage) {
	t, ok := vendorPages[page]
	if !ok {
		panic("handlers: no vendor page " + page)
	}
	if csrf, ok := c.Get(ctxCSRF); ok && p.CSRF == "" {
		p.CSRF = csrf.(string)
	}
	if m := member(c); m.ID != 0 && p.Member.ID == 0 {
		p.Member = m
		if v, err := s.vendors.GetVendor(c.Request.Context(), m.VendorID); err == nil {
			p.VendorName, p.VendorStatus = v.Name, v.Status
		}
	}
	p.Flash = firstNonEmpty(p.Flash, vendorFlash[c.Query("done")])
	p.Stripe = s.checkout != nil // issue 17
	s.renderPage(c, status, t, page, p)
}

var vendorFlash = map[string]string{
	"note":    "Your note was added. Only your team sees it.",
	"reply":   "Your reply was sent. The customer sees it in their inbox and is emailed.",
	"resolve": "The thread is resolved. The customer sees the outcome in their inbox.",
	"assign":  "The thread's assignment was saved.",
	"payment": "The payment is confirmed. Reminders for its invoices are no longer paused by it.",
	"invite":  "The member was invited: they got an email with a sign-in link.",
	"disable": "The member is disabled and signed out.",
	"weekly":  "Your weekly summary setting is saved.", // issue 12

	// Issue 15: branding.
	"logo":         "Your logo was saved. Your customers see it on your part of their digest and in their inbox.",
	"logo_removed": "Your logo was removed.",
	"accent":       "Your accent colour was saved.",
}

func (s *Server) vendorNotFound(c *gin.Context) {
	s.renderVendor(c, http.StatusNotFound, "message", vendorPage{Title: "Not found",
		Data: "There is nothing here for your team: it may belong to another vendor, or it no longer exists."})
	c.Abort()
}

// queueThread is one thread in a queue.
type queueThread struct {
	ID                                      int64
	Subject, Customer, Age, State, Assignee string
	Reason, Amount                          string
	Waiting                                 bool
	// Late is set when the customer has waited longer than the vendor's
	// response-time target for an answer; LateText says so (replyTarget).
	Late     bool
	LateText string
}

type queuePromise struct {
	Invoice, Customer, Amount, By, BrokenOn string
	Broken                                  bool
	// SupersededOn is when the payer replaced this promise with the one
	// for NewBy ("" for a promise still standing).
	SupersededOn, NewBy string
}

type queuePayment struct {
	ID                                                    int64
	Customer, Invoices, Amount, PaidOn, Method, Reference string
}

type queueContact struct {
	CustomerID                       int64 // the customer page (issue 13)
	Customer, Address, Reason, Since string
}

type vendorInboxData struct {
	Queue                    queueView
	FirstReply, Resolution   string
	FirstReplyN, ResolutionN int
	Questions, Disputes      []queueThread
	Promises                 []queuePromise
	Payments                 []queuePayment
	Contacts                 []queueContact
	Reminders                []queueReminder
}

// queueReminder is when a customer was last reminded of the vendor's
// invoices, and when its next digest window is.
type queueReminder struct {
	CustomerID int64 // the customer page (issue 13)
	Customer   string
	Open       int
	Last, Next string
}

// Queue windows: promises due within a week or broken within two.
const (
	promisesAhead  = 7 * 24 * time.Hour
	promisesBehind = 14 * 24 * time.Hour
	responseWindow = 30 * 24 * time.Hour
)

// vendorInbox answers GET /vendor.
func (s *Server) vendorInbox(c *gin.Context) {
	ctx := c.Request.Context()
	m := member(c)
	loc := s.vendorLocation(ctx, m.VendorID)
	now := s.now()
	var d vendorInboxData
	var err error
	if checkQuery(c, "tab", "q", "sort") != nil {
		s.vendorNotFound(c)
		return
	}
	f := readQueueFilter(c, m.ID)
	d.Queue = f.view()
	if d.Questions, err = s.threadQueue(ctx, m.VendorID, threads.ThreadQuestion, now, f); err != nil {
		s.fail(c, err)
		return
	}
	if d.Disputes, err = s.threadQueue(ctx, m.VendorID, threads.ThreadDispute, now, f); err != nil {
		s.fail(c, err)
		return
	}
	rt, err := s.threads.InboxResponseTimes(ctx, m.VendorID, now.Add(-responseWindow))
	if err != nil {
		s.fail(c, err)
		return
	}
	d.FirstReply, d.FirstReplyN = durationText(rt.FirstReply, rt.FirstReplyN), rt.FirstReplyN
	d.Resolution, d.ResolutionN = durationText(rt.Resolution, rt.ResolutionN), rt.ResolutionN

	promises, err := s.payers.InboxPromises(ctx, m.VendorID, now.Add(promisesAhead), now.Add(-promisesBehind))
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, p := range promises {
		amount := p.Amount
		if amount == 0 {
			amount = p.AmountRemaining
		}
		q := queuePromise{Invoice: p.InvoiceNumber, Customer: p.CustomerName, Amount: money.Format(amount, p.Currency),
			By: formatDay(p.Promised()), Broken: p.BrokenAt != nil}
		if p.BrokenAt != nil {
			q.BrokenOn = formatDay(civilOf(*p.BrokenAt, loc))
		}
		d.Promises = append(d.Promises, q)
	}
	if err := s.addSupersededPromises(ctx, m.VendorID, now, loc, &d); err != nil {
		s.fail(c, err)
		return
	}
	payments, err := s.payers.VendorPayments(ctx, m.VendorID, payers.VendorPaymentFilter{Status: payers.PaymentPending, Limit: 200})
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, p := range payments {
		var customers []string
		for _, l := range p.Invoices {
			if !slices.Contains(customers, l.CustomerName) {
				customers = append(customers, l.CustomerName)
			}
		}
		d.Payments = append(d.Payments, queuePayment{ID: p.ID, Customer: strings.Join(customers, ", "), Invoices: invoiceNumbers(p),
			Amount: money.Format(p.Amount, p.Currency), PaidOn: formatDay(p.PaidOn),
			Method: strings.ReplaceAll(p.Method, "_", " "), Reference: p.Reference})
	}
	contacts, err := s.payers.InboxContacts(ctx, m.VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, ct := range contacts {
		d.Contacts = append(d.Contacts, queueContact{CustomerID: ct.CustomerID, Customer: firstNonEmpty(ct.CustomerName, ct.ExternalID),
			Address: ct.Address, Reason: payers.SuppressionLabel(ct.Reason), Since: formatDay(civilOf(ct.CreatedAt, loc))})
	}
	if d.Reminders, err = s.reminderQueue(ctx, m.VendorID, loc, now); err != nil {
		s.fail(c, err)
		return
	}
	s.renderVendor(c, http.StatusOK, "inbox", vendorPage{Title: "Inbox", Data: d})
}

// reminderQueue lists the vendor's customers owing something: when a
// digest last carried the vendor's invoices to them, and the next window
// of their payer's schedule (a digest goes out then only if something is
// new, which may depend on other vendors and is not shown).
func (s *Server) reminderQueue(ctx context.Context, vendorID int64, loc *time.Location, now time.Time) ([]queueReminder, error) {
	rs, err := s.payers.InboxReminders(ctx, vendorID, now, 200)
	if err != nil {
		return nil, err
	}
	out := make([]queueReminder, len(rs))
	for i, r := range rs {
		q := queueReminder{CustomerID: r.CustomerID, Customer: firstNonEmpty(r.CustomerName, r.ExternalID), Open: r.Open, Last: "Not yet",
			Next: nextReminderText(r.Payer, r.PreviousSlot, loc, now)}
		if r.LastReminded != nil {
			q.Last = formatMoment(*r.LastReminded, loc)
		}
		out[i] = q
	}
	return out, nil
}

// threadQueue lists the vendor's unresolved threads of a kind: those
// awaiting a reply first, oldest first.
func (s *Server) threadQueue(ctx context.Context, vendorID int64, kind string, now time.Time, f queueFilter) ([]queueThread, error) {
	var views []threads.VendorThreadView
	for _, state := range f.states() {
		vs, err := s.threads.VendorThreads(ctx, vendorID, threads.VendorThreadFilter{Kind: kind, State: state, Limit: 500})
		if err != nil {
			return nil, err
		}
		views = append(views, vs...)
	}
	ids := make([]int64, len(views))
	for i, v := range views {
		ids[i] = v.ID
	}
	assignees, err := s.threads.ThreadAssignees(ctx, vendorID, ids)
	if err != nil {
		return nil, err
	}
	names, err := s.memberNames(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	hours, err := s.vendors.ResponseTargetHours(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	target := replyTarget{hours, s.vendorLocation(ctx, vendorID)}
	views = f.apply(views, assignees)
	out := make([]queueThread, len(views))
	for i, v := range views {
		q := queueThread{ID: v.ID, Subject: threadSubject(v), Age: ageText(now.Sub(v.CreatedAt)),
			State: vendorStateText[v.State], Waiting: v.State == threads.ThreadOpen, Assignee: names[assignees[v.ID]]}
		q.Late, q.LateText = target.late(v.Thread, now), target.text()
		if v.Customer != nil {
			q.Customer = firstNonEmpty(v.Customer.Name, v.Customer.ExternalID)
		}
		if v.Kind == threads.ThreadDispute {
			q.Reason, q.Amount = reasonLabel(v.Reason), money.Format(v.DisputedAmount, v.Currency)
		}
		out[i] = q
	}
	return out, nil
}

var vendorStateText = map[string]string{threads.ThreadOpen: "Awaiting your reply", threads.ThreadAnswered: "Answered",
	threads.ThreadResolved: "Resolved"}

func threadSubject(v threads.VendorThreadView) string {
	if v.Invoice != nil {
		return vendors.InvoiceTitle(v.Invoice.Number)
	}
	return "Account"
}

// memberNames names the vendor's members by id.
func (s *Server) memberNames(ctx context.Context, vendorID int64) (map[int64]string, error) {
	ms, err := s.vendors.Members(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(ms))
	for _, m := range ms {
		names[m.ID] = m.Label()
	}
	return names, nil
}

// vendorLocation is the vendor's timezone, UTC when unknown.
func (s *Server) vendorLocation(ctx context.Context, vendorID int64) *time.Location {
	if v, err := s.vendors.GetVendor(ctx, vendorID); err == nil {
		if loc, err := time.LoadLocation(v.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// ageText says how long ago, roughly: "3 days", "5 hours", "12 minutes".
func ageText(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= time.Hour:
		return "1 hour"
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
	return "a minute"
}

// durationText shows a median: "2 h 15 min", "1 d 4 h", "—" with no data.
func durationText(d time.Duration, n int) string {
	if n == 0 {
		return "—"
	}
	d = d.Round(time.Minute)
	switch days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute); {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	default:
		return fmt.Sprintf("%d min", mins)
	}
}

// addSupersededPromises lists, after the promises due or broken, those the
// payer replaced in the last two weeks, each with the date that replaced it.
func (s *Server) addSupersededPromises(ctx context.Context, vendorID int64, now time.Time, loc *time.Location, d *vendorInboxData) error {
	replaced, err := s.payers.SupersededPromises(ctx, vendorID, now.Add(-promisesBehind))
	if err != nil {
		return err
	}
	for _, p := range replaced {
		amount := p.Amount
		if amount == 0 {
			amount = p.AmountRemaining
		}
		q := queuePromise{Invoice: p.InvoiceNumber, Customer: p.CustomerName, Amount: money.Format(amount, p.Currency),
			By: formatDay(p.Promised()), SupersededOn: formatDay(civilOf(p.SupersededAt, loc)), NewBy: "a new date"}
		if nb := p.NewPromised(); !nb.IsZero() {
			q.NewBy = formatDay(nb)
		}
		d.Promises = append(d.Promises, q)
	}
	return nil
}
