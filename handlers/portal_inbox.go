package handlers

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
)

type inboxLine struct {
	ID                  int64
	Number, Issued, Due string
	Amount              string
	// Status is the hold, how overdue, or when due; StatusClass ("hold",
	// "overdue" or "") styles it. Worked out here rather than in the
	// template, whose comparisons go through reflection on every line.
	Status, StatusClass string
	Answered            bool // the vendor answered a conversation on it
}

type inboxVendor struct {
	ID           int64
	Name, Domain string
	Muted        bool
	// Continued is true when an earlier page showed this vendor's first lines.
	Continued bool
	// Totals are over all the vendor's invoices the filter keeps, on any
	// page, per currency ("USD 1.00 · EUR 2.00").
	Totals string
	Lines  []inboxLine
	oldest civil.Date
	count  int

	// Answers is the vendor's usual first-reply time ("2 hours"), "" when
	// too few threads were answered to say (issue 12).
	Answers string
	// Logo and Accent are the vendor's branding, "" for none (issue 15).
	Logo, Accent string
}

type inboxChoice struct {
	Label, URL string
	Current    bool
}

type inboxData struct {
	Count, VendorCount, Held int
	Totals                   []string
	Vendors                  []inboxVendor
	Filters, Sorts           []inboxChoice
	Filtered                 bool
	// Page of Pages shows lines First to Last of Count; PrevURL and NextURL
	// are plain links to the pages around it ("" at either end).
	Page, Pages, First, Last int
	PrevURL, NextURL         string
	// HeldReplies counts the payer's emailed replies waiting for it to say
	// which vendor they are for (/portal/replies).
	HeldReplies int
}

// holdText names a hold for the payer.
var holdText = map[string]string{
	payers.HoldDispute:         "Disputed",
	payers.HoldPromise:         "Payment promised",
	payers.HoldPaymentReported: "Payment reported",
}

// holdLabel names the hold of one of the payer's invoices; a promise shows
// the date promised, the same date the digest shows.
func holdLabel(o payers.OpenInvoice, code string) string {
	if o.HoldKind == payers.HoldPromise && !o.PromisedFor.IsZero() {
		return "Payment promised for " + locale.Day(code, o.PromisedFor)
	}
	return holdText[o.HoldKind]
}

// payerToday is the session payer's calendar day, in its timezone: the day
// the digest counts from and promises are checked against.
func (s *Server) payerToday(c *gin.Context) (civil.Date, error) {
	p, err := s.sessionPayer(c)
	if err != nil {
		return civil.Date{}, err
	}
	return civil.Of(s.now().In(p.Location())), nil
}

// inboxPageSize is the number of invoice lines on one inbox page: a payer
// with hundreds of open invoices gets pages, each as cheap as a small inbox.
const inboxPageSize = 50

// filterBuckets are the buckets each filter keeps; no entry keeps all.
var filterBuckets = map[string][]string{
	"overdue": {payers.BucketOverdue},
	"due7":    {payers.BucketDue7},
	"hold":    {payers.BucketHold},
}

// inbox answers GET /portal: the payer's open invoices from every vendor,
// grouped by vendor, the vendor owed longest first, 50 lines a page. Counts
// and totals come from one aggregate over all of them; only the page's
// lines are read.
func (s *Server) inbox(c *gin.Context) {
	ctx := c.Request.Context()
	today, err := s.payerToday(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, ok := pageParam(c)
	if !ok {
		s.portalMessage(c, http.StatusBadRequest, "There is no such page",
			"Page numbers are whole numbers from 1. Open your invoices from the menu.")
		return
	}
	now := s.now()
	groups, err := s.payers.InboxGroups(ctx, payerID(c), now, today)
	if err != nil {
		s.fail(c, err)
		return
	}
	filter, vendorFilter, sort := c.Query("filter"), c.Query("vendor"), c.DefaultQuery("sort", "due")
	data := inboxData{Filtered: filter != "" || vendorFilter != ""}
	buckets := filterBuckets[filter]
	vendors, due := summarize(groups, buckets, vendorFilter, &data)
	switch sort {
	case "vendor":
		slices.SortStableFunc(vendors, func(a, b *inboxVendor) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), a.oldest.Compare(b.oldest), cmp.Compare(a.ID, b.ID))
		})
	default:
		slices.SortStableFunc(vendors, func(a, b *inboxVendor) int {
			return cmp.Or(a.oldest.Compare(b.oldest), cmp.Compare(a.ID, b.ID))
		})
	}
	data.Pages = max(1, (data.Count+inboxPageSize-1)/inboxPageSize)
	if page > data.Pages {
		// A page that emptied (invoices paid since) falls back to the last one.
		c.Redirect(http.StatusFound, pageURL(c, data.Pages))
		return
	}
	data.Page = page
	onPage, offset := pageVendors(vendors, (page-1)*inboxPageSize)
	ids := make([]int64, len(onPage))
	for i, v := range onPage {
		ids[i] = v.ID
	}
	lines, err := s.payers.InboxLines(ctx, payerID(c), now, today, payers.InboxPage{
		Vendors: ids, Buckets: buckets, ByAmount: sort == "amount", Offset: offset, Limit: inboxPageSize})
	if err != nil {
		s.fail(c, err)
		return
	}
	answered, err := s.threads.AnsweredInvoices(ctx, payerID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.inbound != nil {
		held, err := s.inbound.Store().Held(ctx, payerID(c))
		if err != nil {
			s.fail(c, err)
			return
		}
		data.HeldReplies = len(held)
	}
	byID := make(map[int64]*inboxVendor, len(onPage))
	for _, v := range onPage {
		byID[v.ID] = v
	}
	for _, o := range lines {
		v := byID[o.VendorID]
		if v == nil {
			continue // never: the query reads only these vendors' lines
		}
		status, class := lineStatus(o, today, payerLocale(c))
		v.Lines = append(v.Lines, inboxLine{ID: o.InvoiceID, Number: o.Number, Issued: portalDay(c, o.IssueDate), Due: portalDay(c, o.DueDate),
			Amount: money.Format(o.AmountRemaining, o.Currency), Status: status, StatusClass: class, Answered: answered[o.InvoiceID]})
	}
	for _, v := range onPage {
		if len(v.Lines) > 0 {
			data.Vendors = append(data.Vendors, *v)
		}
	}
	if err := s.usualAnswers(ctx, data.Vendors); err != nil {
		s.fail(c, err)
		return
	}
	brands := s.brandsOf(ctx, vendorIDsOf(data.Vendors)) // issue 15
	for i := range data.Vendors {
		b := brands[data.Vendors[i].ID]
		data.Vendors[i].Logo, data.Vendors[i].Accent = b.LogoPath(), b.Accent
	}
	if data.Count > 0 {
		data.First = (page-1)*inboxPageSize + 1
		data.Last = min(page*inboxPageSize, data.Count)
	}
	if page > 1 {
		data.PrevURL = pageURL(c, page-1)
	}
	if page < data.Pages {
		data.NextURL = pageURL(c, page+1)
	}
	data.VendorCount = len(vendors)
	data.Totals = due.List()
	data.Filters = choices(c, "filter", filter, [][2]string{{"", "All"}, {"overdue", "Overdue"}, {"due7", "Due in 7 days"}, {"hold", "On hold"}})
	data.Sorts = choices(c, "sort", sort, [][2]string{{"due", "Due date"}, {"amount", "Amount"}, {"vendor", "Vendor"}})
	s.renderPortal(c, http.StatusOK, "inbox", portalPage{Title: "Your invoices", Data: data})
}

// summarize folds the aggregate into the vendors the filter keeps, with
// their line counts and totals, and fills the inbox's counts. Held invoices
// are counted over the whole inbox and never summed into an amount due.
func summarize(groups []payers.InboxGroup, buckets []string, vendorFilter string, data *inboxData) ([]*inboxVendor, money.Totals) {
	due, vendorTotals := money.Totals{}, map[int64]money.Totals{}
	byVendor := map[int64]*inboxVendor{}
	var vendors []*inboxVendor
	for _, g := range groups {
		if g.Bucket == payers.BucketHold {
			data.Held += g.Lines
		}
		if len(buckets) > 0 && !slices.Contains(buckets, g.Bucket) {
			continue
		}
		if vendorFilter != "" && vendorFilter != strconv.FormatInt(g.VendorID, 10) {
			continue
		}
		v, ok := byVendor[g.VendorID]
		if !ok {
			v = &inboxVendor{ID: g.VendorID, Name: g.VendorName, Domain: g.VendorDomain, Muted: g.Muted, oldest: g.Oldest}
			byVendor[g.VendorID] = v
			vendors = append(vendors, v)
			vendorTotals[g.VendorID] = money.Totals{}
		}
		if g.Oldest.Before(v.oldest) {
			v.oldest = g.Oldest
		}
		v.count += g.Lines
		data.Count += g.Lines
		if g.Bucket != payers.BucketHold {
			due.Add(g.Currency, g.Amount)
			vendorTotals[g.VendorID].Add(g.Currency, g.Amount)
		}
	}
	for _, v := range vendors {
		v.Totals = vendorTotals[v.ID].String()
	}
	return vendors, due
}

// lineStatus says where an invoice stands: its hold, else how many days
// overdue, due today, or in how many days.
func lineStatus(o payers.OpenInvoice, today civil.Date, code string) (text, class string) {
	if o.HoldKind != "" {
		return holdLabel(o, code), "hold"
	}
	// The digest writes the same phrase (locale.DueStatus) from the same
	// payer-local day, so an email and the portal never disagree.
	days := o.DueDate.DaysUntil(today)
	if days > 0 {
		class = "overdue"
	}
	return upperFirst(locale.DueStatus(days)), class
}

// upperFirst starts a phrase with a capital, as it opens a table cell.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// pageVendors returns the vendors whose lines fall on the page starting at
// line start (vendors in display order), and how many lines of the first
// one earlier pages showed.
func pageVendors(vendors []*inboxVendor, start int) ([]*inboxVendor, int) {
	var on []*inboxVendor
	offset, pos := 0, 0
	for _, v := range vendors {
		end := pos + v.count
		if end > start && pos < start+inboxPageSize {
			if len(on) == 0 {
				offset = start - pos
				v.Continued = offset > 0
			}
			on = append(on, v)
		}
		pos = end
	}
	return on, offset
}

// pageParam reads ?page=, 1 when absent; false when it is not a page number.
func pageParam(c *gin.Context) (int, bool) {
	raw, ok := c.GetQuery("page")
	if !ok {
		return 1, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, false
	}
	return n, true
}

// pageURL is the inbox URL of another page, with the same filter and sort.
func pageURL(c *gin.Context, page int) string {
	q := c.Request.URL.Query()
	q.Del("done")
	q.Del("page")
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if enc := q.Encode(); enc != "" {
		return "/portal?" + enc
	}
	return "/portal"
}

// choices builds filter or sort links that keep the other query parameters.
func choices(c *gin.Context, key, current string, options [][2]string) []inboxChoice {
	out := make([]inboxChoice, len(options))
	for i, o := range options {
		q := url.Values{}
		for k, v := range c.Request.URL.Query() {
			q[k] = v
		}
		q.Del("done")
		q.Del("page") // another filter or order starts at its first page
		if o[0] == "" {
			q.Del(key)
		} else {
			q.Set(key, o[0])
		}
		u := "/portal"
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
		out[i] = inboxChoice{Label: o[1], URL: u, Current: o[0] == current}
	}
	return out
}
