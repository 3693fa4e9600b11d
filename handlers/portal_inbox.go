package handlers

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
)

type inboxLine struct {
	ID                  int64
	Number, Issued, Due string
	Amount, Hold        string
	DaysOverdue, DueIn  int
	remaining           int64
	currency            string
	due                 civil.Date
}

type inboxVendor struct {
	ID           int64
	Name, Domain string
	Muted        bool
	Totals       []string
	Lines        []inboxLine
	oldest       civil.Date
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
}

// holdText names a hold for the payer.
var holdText = map[string]string{
	payers.HoldDispute:         "Disputed",
	payers.HoldPromise:         "Payment promised",
	payers.HoldPaymentReported: "Payment reported",
}

// holdLabel names the hold of one of the payer's invoices; a promise shows
// the date promised, the same date the digest shows.
func holdLabel(o payers.OpenInvoice) string {
	if o.HoldKind == payers.HoldPromise && !o.PromisedFor.IsZero() {
		return "Payment promised for " + o.PromisedFor.String()
	}
	return holdText[o.HoldKind]
}

// payerToday is the session payer's calendar day, in its timezone: the day
// the digest counts from and promises are checked against.
func (s *Server) payerToday(c *gin.Context) (civil.Date, error) {
	p, err := s.payers.Get(c.Request.Context(), payerID(c))
	if err != nil {
		return civil.Date{}, err
	}
	return civil.Of(s.now().In(p.Location())), nil
}

// inbox answers GET /portal: every open invoice of the payer from every
// vendor, grouped by vendor, the vendor owed longest first.
func (s *Server) inbox(c *gin.Context) {
	open, err := s.payers.OpenInvoices(c.Request.Context(), payerID(c), s.now())
	if err != nil {
		s.fail(c, err)
		return
	}
	today, err := s.payerToday(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	filter, vendorFilter, sort := c.Query("filter"), c.Query("vendor"), c.DefaultQuery("sort", "due")
	data := inboxData{Filtered: filter != "" || vendorFilter != ""}
	due, vendorTotals := money.Totals{}, map[int64]money.Totals{}
	byVendor := map[int64]*inboxVendor{}
	var order []int64
	for _, o := range open {
		if o.HoldKind != "" {
			data.Held++
		}
		days := o.DueDate.DaysUntil(today)
		keep := true
		switch filter {
		case "overdue":
			keep = days > 0 && o.HoldKind == ""
		case "due7":
			keep = days <= 0 && days >= -7 && o.HoldKind == ""
		case "hold":
			keep = o.HoldKind != ""
		}
		if vendorFilter != "" && vendorFilter != strconv.FormatInt(o.VendorID, 10) {
			keep = false
		}
		if !keep {
			continue
		}
		v, ok := byVendor[o.VendorID]
		if !ok {
			v = &inboxVendor{ID: o.VendorID, Name: o.VendorName, Domain: o.VendorDomain, Muted: o.Muted, oldest: o.DueDate}
			byVendor[o.VendorID] = v
			order = append(order, o.VendorID)
			vendorTotals[o.VendorID] = money.Totals{}
		}
		v.Lines = append(v.Lines, inboxLine{ID: o.InvoiceID, Number: o.Number, Issued: o.IssueDate.String(), Due: o.DueDate.String(),
			Amount: money.Format(o.AmountRemaining, o.Currency), Hold: holdLabel(o),
			DaysOverdue: days, DueIn: -days, remaining: o.AmountRemaining, currency: o.Currency, due: o.DueDate})
		data.Count++
		if o.HoldKind == "" {
			due.Add(o.Currency, o.AmountRemaining)
			vendorTotals[o.VendorID].Add(o.Currency, o.AmountRemaining)
		}
	}
	for _, id := range order {
		v := byVendor[id]
		v.Totals = vendorTotals[id].List()
		switch sort {
		case "amount":
			slices.SortStableFunc(v.Lines, func(a, b inboxLine) int {
				return cmp.Or(cmp.Compare(a.currency, b.currency), cmp.Compare(b.remaining, a.remaining))
			})
		}
		data.Vendors = append(data.Vendors, *v)
	}
	if sort == "vendor" {
		slices.SortStableFunc(data.Vendors, func(a, b inboxVendor) int { return cmp.Compare(a.Name, b.Name) })
	}
	data.VendorCount = len(data.Vendors)
	data.Totals = due.List()
	data.Filters = choices(c, "filter", filter, [][2]string{{"", "All"}, {"overdue", "Overdue"}, {"due7", "Due in 7 days"}, {"hold", "On hold"}})
	data.Sorts = choices(c, "sort", sort, [][2]string{{"due", "Due date"}, {"amount", "Amount"}, {"vendor", "Vendor"}})
	s.renderPortal(c, http.StatusOK, "inbox", portalPage{Title: "Your invoices", Data: data})
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
