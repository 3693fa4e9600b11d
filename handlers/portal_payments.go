package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// paymentChoice is one open invoice the payment may cover.
type paymentChoice struct {
	ID                               int64
	Number, Due, Remaining, Currency string
	Hold, Amount, Error              string
	Overdue, Checked                 bool
}

type paymentVendor struct {
	ID           int64
	Name, Domain string
	Invoices     []paymentChoice
}

type paymentPageData struct {
	Vendors                   []paymentVendor
	Methods                   []reasonOption
	Method, Reference, PaidOn string
	Today, Earliest           string
	Errors                    map[string]string
}

// paymentMethods are payers.PaymentMethods as the payer reads them.
var paymentMethods = []reasonOption{
	{"bank_transfer", "Bank transfer"}, {"card", "Card"}, {"check", "Check"}, {"other", "Other"},
}

// paymentForm is what the payer typed, kept to show the form again.
type paymentForm struct {
	method, reference, paidOn string
	checked                   map[int64]bool
	amounts                   map[int64]string
}

// newPayment answers GET /portal/payments/new[?invoice=ID…]: the payer's
// open invoices from every vendor, those it came from (an invoice page, or
// the ones ticked in the inbox) already ticked.
func (s *Server) newPayment(c *gin.Context) {
	form := paymentForm{paidOn: civil.Of(s.now().UTC()).String(), checked: map[int64]bool{}}
	for _, raw := range c.QueryArray("invoice") {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			s.portalNotFound(c)
			return
		}
		// Another payer's invoice, even named in the URL, is not here.
		if _, err := s.payers.Invoice(c.Request.Context(), payerID(c), id); err != nil {
			s.paymentFailed(c, form, err)
			return
		}
		form.checked[id] = true
	}
	s.renderPayment(c, http.StatusOK, form, nil)
}

// reportPayment answers POST /portal/payments.
func (s *Server) reportPayment(c *gin.Context) {
	ctx, payer := c.Request.Context(), payerID(c)
	bad := checkForm(c)
	form := paymentForm{method: c.PostForm("method"), reference: c.PostForm("reference"), paidOn: strings.TrimSpace(c.PostForm("paid_on")),
		checked: map[int64]bool{}, amounts: map[int64]string{}}
	open, err := s.payers.OpenInvoices(ctx, payer, s.now())
	if err != nil {
		s.fail(c, err)
		return
	}
	currency := make(map[int64]string, len(open))
	for _, o := range open {
		currency[o.InvoiceID] = o.Currency
	}
	report := payers.Report{Method: form.method, Reference: form.reference}
	var fe []vendors.FieldError
	if form.paidOn != "" {
		if report.PaidOn, err = civil.Parse(form.paidOn); err != nil {
			fe = append(fe, vendors.FieldError{Field: "paid_on", Message: "must be a date like 2026-11-20"})
		}
	}
	for _, raw := range c.PostFormArray("invoice") {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			s.portalNotFound(c)
			return
		}
		form.checked[id] = true
		form.amounts[id] = strings.TrimSpace(c.PostForm(payers.AmountField(id)))
		code, ok := currency[id]
		if !ok {
			// Not open for this payer: ReportPayment tells a closed
			// invoice from another payer's (404).
			inv, err := s.payers.Invoice(ctx, payer, id)
			if err != nil {
				s.paymentFailed(c, form, err)
				return
			}
			code = inv.Currency
		}
		amount, err := money.Parse(form.amounts[id], code)
		if err != nil {
			fe = append(fe, vendors.FieldError{Field: payers.AmountField(id),
				Message: "must be an amount in " + code + ", like " + money.FormatNumber(12345, code)})
		}
		report.Lines = append(report.Lines, payers.ReportLine{InvoiceID: id, Amount: amount})
	}
	if bad != nil {
		// Text that cannot be stored is all the payer hears of first.
		s.paymentFailed(c, form, bad)
		return
	}
	if len(fe) > 0 {
		// What cannot be read is said first; the rules follow once it can.
		s.renderPayment(c, http.StatusUnprocessableEntity, form, fe)
		return
	}
	if _, err := s.payers.ReportPayment(ctx, payer, report); err != nil {
		s.paymentFailed(c, form, err)
		return
	}
	// Issue 12: a payment made after the due date is asked why, once.
	ids := make([]int64, len(report.Lines))
	for i, l := range report.Lines {
		ids[i] = l.InvoiceID
	}
	late, err := s.payers.PaidLate(ctx, payer, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(late) > 0 {
		seeOther(c, lateReasonsURL(late, "payment"))
		return
	}
	seeOther(c, "/portal?done=payment")
}

func (s *Server) paymentFailed(c *gin.Context, form paymentForm, err error) {
	s.formFailed(c, err, func(ve *vendors.ValidationError) {
		s.renderPayment(c, http.StatusUnprocessableEntity, form, ve.Fields)
	})
}

// paymentLabels name the form's fields in error messages.
var paymentLabels = map[string]string{
	"method": "Payment method", "reference": "Reference", "paid_on": "Date paid", "invoices": "Invoices",
}

// renderPayment shows the payment form; errs, when set, say what to correct.
func (s *Server) renderPayment(c *gin.Context, status int, form paymentForm, errs []vendors.FieldError) {
	open, err := s.payers.OpenInvoices(c.Request.Context(), payerID(c), s.now())
	if err != nil {
		s.fail(c, err)
		return
	}
	today := civil.Of(s.now().UTC())
	d := paymentPageData{Methods: paymentMethods, Method: form.method, Reference: form.reference, PaidOn: form.paidOn,
		Today: today.AddDays(1).String(), Earliest: today.AddDays(-payers.PaymentMaxAgeDays).String(), Errors: map[string]string{}}
	for _, f := range errs {
		if _, seen := d.Errors[f.Field]; !seen {
			d.Errors[f.Field] = f.Message
		}
	}
	named := map[int64]string{}
	byVendor := map[int64]int{}
	// "Overdue" from the payer's own day, as the inbox and the digest say it.
	local := today
	if p, ok := c.Get(ctxPayer); ok {
		local = civil.Of(s.now().In(p.(payers.Payer).Location()))
	}
	for _, o := range open {
		i, ok := byVendor[o.VendorID]
		if !ok {
			i = len(d.Vendors)
			byVendor[o.VendorID] = i
			d.Vendors = append(d.Vendors, paymentVendor{ID: o.VendorID, Name: o.VendorName, Domain: o.VendorDomain})
		}
		amount, typed := form.amounts[o.InvoiceID]
		if !typed {
			amount = money.FormatNumber(o.AmountRemaining, o.Currency)
		}
		d.Vendors[i].Invoices = append(d.Vendors[i].Invoices, paymentChoice{ID: o.InvoiceID, Number: o.Number,
			Due: portalDay(c, o.DueDate), Remaining: money.Format(o.AmountRemaining, o.Currency), Currency: o.Currency,
			Hold: holdLabel(o, payerLocale(c)), Amount: amount, Overdue: o.DueDate.Before(local), Checked: form.checked[o.InvoiceID],
			Error: d.Errors[payers.AmountField(o.InvoiceID)]})
		named[o.InvoiceID] = vendors.InvoiceName(o.Number) + " (" + o.VendorName + ")"
	}
	msgs := make([]string, 0, len(errs))
	for _, f := range errs {
		label := paymentLabels[f.Field]
		if id, ok := amountFieldID(f.Field); ok {
			label = "Amount for " + firstNonEmpty(named[id], "invoice "+strconv.FormatInt(id, 10))
		}
		msgs = append(msgs, firstNonEmpty(label, f.Field)+": "+f.Message+".")
	}
	var summary string
	if len(msgs) > 0 {
		summary = "The payment was not reported. " + strings.Join(msgs, " ")
	}
	s.renderPortal(c, status, "payment", portalPage{Title: "Report a payment", Error: summary, Data: d})
}

// amountFieldID reads the invoice id out of "amount[<id>]".
func amountFieldID(field string) (int64, bool) {
	var id int64
	if _, err := fmt.Sscanf(field, "amount[%d]", &id); err != nil || payers.AmountField(id) != field {
		return 0, false
	}
	return id, true
}
