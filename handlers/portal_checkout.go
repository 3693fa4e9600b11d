package handlers

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// Issue 17: pay invoices of several vendors in one Stripe Checkout.

type checkoutChoice struct {
	ID                                    int64
	Number, Due, Remaining, Amount, Error string
	Checked, Payable, Overdue             bool
}

type checkoutVendor struct {
	ID       int64
	Name     string
	Why      string // why its invoices cannot be paid here
	Invoices []checkoutChoice
}

type checkoutCurrency struct {
	Currency string
	Vendors  []checkoutVendor
}

type checkoutSplitLine struct{ Number, Amount string }

type checkoutSplit struct {
	Name, Amount string
	Lines        []checkoutSplitLine
}

type checkoutQuote struct {
	Currency, Amount, Fee, FeeRate, Total string
	Vendors                               []checkoutSplit
	Hidden                                url.Values
}

type checkoutPageData struct {
	Groups   []checkoutCurrency
	Quote    *checkoutQuote
	Errors   map[string]string
	Selected bool
}

// checkoutSelection is what the payer ticked and typed.
type checkoutSelection struct {
	items   []checkout.Item
	checked map[int64]bool
	amounts map[int64]string
}

// readCheckout reads invoice=ID… and amount[ID]=… from get (query or
// form). An unreadable amount is a field error; an invoice that is not the
// payer's answers 404 (ok false).
func (s *Server) readCheckout(c *gin.Context, get func(string) string, all func(string) []string) (checkoutSelection, []vendors.FieldError, bool) {
	ctx, payer := c.Request.Context(), payerID(c)
	sel := checkoutSelection{checked: map[int64]bool{}, amounts: map[int64]string{}}
	var fe []vendors.FieldError
	for _, raw := range all("invoice") {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			s.portalNotFound(c)
			return sel, nil, false
		}
		if sel.checked[id] {
			continue
		}
		inv, err := s.payers.Invoice(ctx, payer, id)
		if err != nil {
			s.formFailed(c, err, nil)
			return sel, nil, false
		}
		sel.checked[id] = true
		typed := strings.TrimSpace(get(payers.AmountField(id)))
		sel.amounts[id] = typed
		amount := inv.AmountRemaining
		if typed != "" {
			if amount, err = money.Parse(typed, inv.Currency); err != nil {
				fe = append(fe, vendors.FieldError{Field: payers.AmountField(id),
					Message: "must be an amount in " + inv.Currency + ", like " + money.FormatNumber(12345, inv.Currency)})
				continue
			}
		}
		sel.items = append(sel.items, checkout.Item{InvoiceID: id, Amount: amount})
	}
	return sel, fe, true
}

// checkoutPage answers GET /portal/checkout[?invoice=ID…&amount[ID]=…]:
// the payer's open invoices grouped by currency and vendor, those ticked
// priced per vendor with the fee before paying. Reading changes nothing.
func (s *Server) checkoutPage(c *gin.Context) {
	sel, fe, ok := s.readCheckout(c, c.Query, c.QueryArray)
	if !ok {
		return
	}
	if len(sel.items) == 0 && len(fe) == 0 {
		s.renderCheckout(c, http.StatusOK, sel, nil, nil)
		return
	}
	if len(fe) > 0 {
		s.renderCheckout(c, http.StatusUnprocessableEntity, sel, nil, fe)
		return
	}
	q, err := s.checkout.Quote(c.Request.Context(), payerID(c), sel.items)
	if err != nil {
		s.formFailed(c, err, func(ve *vendors.ValidationError) {
			s.renderCheckout(c, http.StatusUnprocessableEntity, sel, nil, ve.Fields)
		})
		return
	}
	s.renderCheckout(c, http.StatusOK, sel, &q, nil)
}

// startCheckout answers POST /portal/checkout: the Checkout Session is
// created and the payer goes to Stripe's payment page.
func (s *Server) startCheckout(c *gin.Context) {
	bad := checkForm(c)
	sel, fe, ok := s.readCheckout(c, c.PostForm, c.PostFormArray)
	if !ok {
		return
	}
	if bad != nil {
		s.fail(c, bad)
		return
	}
	if len(fe) > 0 {
		s.renderCheckout(c, http.StatusUnprocessableEntity, sel, nil, fe)
		return
	}
	base := strings.TrimRight(s.publicURL, "/")
	// The checkout id is only known once recorded: Stripe replaces the
	// placeholder with the session id, the done page finds the checkout by it.
	started, err := s.checkout.Start(c.Request.Context(), payerID(c), sel.items,
		base+"/portal/checkout/done?session={CHECKOUT_SESSION_ID}", base+"/portal/checkout?"+selectionQuery(sel).Encode())
	if err != nil {
		s.formFailed(c, err, func(ve *vendors.ValidationError) {
			s.renderCheckout(c, http.StatusUnprocessableEntity, sel, nil, ve.Fields)
		})
		return
	}
	seeOther(c, started.URL)
}

// checkoutDone answers GET /portal/checkout/done?session=…, where Stripe
// sends the payer back: the payment is confirmed by Stripe's webhook, not
// by this visit.
func (s *Server) checkoutDone(c *gin.Context) {
	co, err := s.checkout.BySession(c.Request.Context(), payerID(c), c.Query("session"))
	if err != nil {
		s.formFailed(c, err, nil)
		return
	}
	msg := "Thank you: Stripe is confirming your payment of " + money.Format(co.Amount+co.Fee, co.Currency) +
		". Each vendor is told as soon as it is confirmed, and reminders for these invoices stop."
	switch co.Status {
	case checkout.StatusPaid:
		msg = "Paid: " + money.Format(co.Amount+co.Fee, co.Currency) + ". Each vendor has been told, and reminders for these invoices stopped."
	case checkout.StatusFailed:
		msg = "The payment did not go through. Nothing was charged; you can try again from your invoices."
	case checkout.StatusRefunded:
		msg = "This payment was refunded."
	}
	s.renderPortal(c, http.StatusOK, "message", portalPage{Title: "Payment", Data: msg})
}

func selectionQuery(sel checkoutSelection) url.Values {
	v := url.Values{}
	for _, it := range sel.items {
		v.Add("invoice", strconv.FormatInt(it.InvoiceID, 10))
		v.Set(payers.AmountField(it.InvoiceID), sel.amounts[it.InvoiceID])
	}
	return v
}

// checkoutLabels name the fields in error messages.
var checkoutLabels = map[string]string{"invoices": "Invoices"}

func (s *Server) renderCheckout(c *gin.Context, status int, sel checkoutSelection, q *checkout.Quote, errs []vendors.FieldError) {
	ctx := c.Request.Context()
	open, err := s.payers.OpenInvoices(ctx, payerID(c), s.now())
	if err != nil {
		s.fail(c, err)
		return
	}
	vendorIDs := make([]int64, 0, len(open))
	for _, o := range open {
		vendorIDs = append(vendorIDs, o.VendorID)
	}
	accounts, err := s.checkout.Accounts(ctx, vendorIDs)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := checkoutPageData{Errors: map[string]string{}, Selected: len(sel.checked) > 0}
	for _, f := range errs {
		if _, seen := d.Errors[f.Field]; !seen {
			d.Errors[f.Field] = f.Message
		}
	}
	today := s.now().UTC().Format("2006-01-02")
	groups := map[string]int{}
	vendorAt := map[string]int{}
	for _, o := range open {
		gi, ok := groups[o.Currency]
		if !ok {
			gi = len(d.Groups)
			groups[o.Currency] = gi
			d.Groups = append(d.Groups, checkoutCurrency{Currency: o.Currency})
		}
		g := &d.Groups[gi]
		key := o.Currency + "/" + strconv.FormatInt(o.VendorID, 10)
		vi, ok := vendorAt[key]
		if !ok {
			vi = len(g.Vendors)
			vendorAt[key] = vi
			v := checkoutVendor{ID: o.VendorID, Name: o.VendorName}
			acct, connected := accounts[o.VendorID]
			switch {
			case !connected || !acct.ChargesEnabled:
				v.Why = "Pays through its own payment page only."
			case !acct.Accepts(o.Currency):
				v.Why = "Its Stripe account cannot take payments in " + o.Currency + "."
			}
			g.Vendors = append(g.Vendors, v)
		}
		v := &g.Vendors[vi]
		amount, typed := sel.amounts[o.InvoiceID]
		if !typed || amount == "" {
			amount = money.FormatNumber(o.AmountRemaining, o.Currency)
		}
		v.Invoices = append(v.Invoices, checkoutChoice{ID: o.InvoiceID, Number: o.Number, Due: portalDay(c, o.DueDate),
			Remaining: money.Format(o.AmountRemaining, o.Currency), Amount: amount, Checked: sel.checked[o.InvoiceID],
			Payable: v.Why == "", Overdue: o.DueDate.String() < today, Error: d.Errors[payers.AmountField(o.InvoiceID)]})
	}
	sort.SliceStable(d.Groups, func(a, b int) bool { return d.Groups[a].Currency < d.Groups[b].Currency })
	if q != nil {
		view := &checkoutQuote{Currency: q.Currency, Amount: money.Format(q.Amount, q.Currency), Fee: money.Format(q.Fee, q.Currency),
			Total: money.Format(q.Total, q.Currency), Hidden: selectionQuery(sel)}
		if bps := s.checkout.FeeBPS(); bps > 0 {
			view.FeeRate = strconv.FormatFloat(float64(bps)/100, 'f', -1, 64) + " %"
		}
		for _, v := range q.Vendors {
			split := checkoutSplit{Name: v.Name, Amount: money.Format(v.Amount, q.Currency)}
			for _, l := range v.Lines {
				split.Lines = append(split.Lines, checkoutSplitLine{Number: l.Number, Amount: money.Format(l.Amount, q.Currency)})
			}
			view.Vendors = append(view.Vendors, split)
		}
		d.Quote = view
	}
	var summary string
	if len(errs) > 0 {
		named := map[int64]string{}
		for _, o := range open {
			named[o.InvoiceID] = o.Number + " (" + o.VendorName + ")"
		}
		msgs := make([]string, 0, len(errs))
		for _, f := range errs {
			label := checkoutLabels[f.Field]
			if id, ok := amountFieldID(f.Field); ok {
				label = "Invoice " + firstNonEmpty(named[id], strconv.FormatInt(id, 10))
			}
			msgs = append(msgs, firstNonEmpty(label, f.Field)+": "+f.Message+".")
		}
		summary = "Nothing was charged. " + strings.Join(msgs, " ")
	}
	s.renderPortal(c, status, "checkout", portalPage{Title: "Pay online", Error: summary, Data: d})
}
