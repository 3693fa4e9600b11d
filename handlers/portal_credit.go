package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// creditLabels name the credit form's fields in messages that need a subject.
var creditLabels = map[string]string{"credit": "credit", "amount": "amount", "code": "code"}

// codePurposeCredit is the one-time-code purpose that guards applying credit.
const codePurposeCredit = "credit"

type creditChoice struct {
	ID                              int64
	Number, Memo, Issued, Remaining string
	Checked                         bool
}

type creditPageData struct {
	InvoiceID                               int64
	Number, VendorName, Currency, Remaining string
	Open                                    bool
	Credits                                 []creditChoice
	Amount, Code                            string
	// Errors holds a message per form field: credit, amount, code.
	Errors map[string]string
}

// creditForm is what the payer chose, kept when the page comes back with an error.
type creditForm struct {
	creditID     int64
	amount, code string
}

// creditPage answers GET /portal/invoices/:id/credit: the same vendor's
// credit notes for the same customer and currency, to apply to the invoice.
func (s *Server) creditPage(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(c.Query("credit"), 10, 64)
	s.renderCredit(c, http.StatusOK, inv, creditForm{creditID: id, amount: c.Query("amount")}, nil)
}

// creditCode answers POST /portal/invoices/:id/credit/code: it emails a
// one-time code to the payer's AP inbox.
func (s *Server) creditCode(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	if err := s.sendCode(c.Request.Context(), payerID(c), codePurposeCredit); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, fmt.Sprintf("/portal/invoices/%d/credit?done=code", inv.InvoiceID))
}

// applyCredit answers POST /portal/invoices/:id/credit. The rules are
// checked before the code is spent, so a typo in the amount does not cost
// the payer a new code; ApplyCredit checks them again under lock.
func (s *Server) applyCredit(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	ctx, payer := c.Request.Context(), payerID(c)
	bad := checkForm(c)
	form := creditForm{amount: strings.TrimSpace(c.PostForm("amount")), code: strings.TrimSpace(c.PostForm("code"))}
	form.creditID, _ = strconv.ParseInt(c.PostForm("credit"), 10, 64)
	var ve *vendors.ValidationError
	if errors.As(bad, &ve) {
		for i, f := range ve.Fields {
			ve.Fields[i].Message = "The " + firstNonEmpty(creditLabels[f.Field], f.Field) + " " + f.Message + "."
		}
		s.renderCredit(c, http.StatusUnprocessableEntity, inv, form, ve)
		return
	}
	if form.creditID <= 0 {
		s.renderCredit(c, http.StatusUnprocessableEntity, inv, form, vendors.Invalid("credit", "Choose a credit to apply."))
		return
	}
	amount, err := money.Parse(form.amount, inv.Currency)
	if err != nil {
		s.renderCredit(c, http.StatusUnprocessableEntity, inv, form,
			vendors.Invalid("amount", "Enter an amount in "+inv.Currency+", like "+money.FormatNumber(12345, inv.Currency)+"."))
		return
	}
	err = s.payers.CheckCredit(ctx, payer, form.creditID, inv.InvoiceID, amount)
	if err == nil {
		err = s.payers.UseCode(ctx, payer, codePurposeCredit, form.code)
		if errors.Is(err, payers.ErrCodeInvalid) {
			err = vendors.Invalid("code", "This code is wrong, expired or already used. Ask for a new code and try again.")
		} else if err == nil {
			_, err = s.payers.ApplyCredit(ctx, payer, form.creditID, inv.InvoiceID, amount)
			var ve *vendors.ValidationError
			if errors.As(err, &ve) {
				// Refused under lock after all (someone applied meanwhile):
				// the code is spent, so the payer needs a new one.
				form.code = ""
				err = &vendors.ValidationError{Fields: append(ve.Fields, vendors.FieldError{Field: "code", Message: "Ask for a new code to try again."})}
			}
		}
	}
	switch {
	case err == nil:
		seeOther(c, fmt.Sprintf("/portal/invoices/%d?done=credit", inv.InvoiceID))
	case errors.As(err, &ve):
		s.renderCredit(c, http.StatusUnprocessableEntity, inv, form, ve)
	case errors.Is(err, payers.ErrNotFound):
		s.portalNotFound(c)
	default:
		s.fail(c, err)
	}
}

// renderCredit shows the credit page; ve, when set, says what to correct.
func (s *Server) renderCredit(c *gin.Context, status int, inv payers.InvoiceDetail, form creditForm, ve *vendors.ValidationError) {
	credits, err := s.payers.Credits(c.Request.Context(), payerID(c), inv.InvoiceID)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := creditPageData{InvoiceID: inv.InvoiceID, Number: inv.Number, VendorName: inv.VendorName, Currency: inv.Currency,
		Remaining: money.Format(inv.AmountRemaining, inv.Currency), Amount: form.amount,
		Open: inv.Status == vendors.StatusOpen && inv.AmountRemaining > 0}
	checked := -1
	for i, cn := range credits {
		if cn.CreditID == form.creditID {
			checked = i
		}
	}
	if checked < 0 && len(credits) > 0 {
		checked = 0
	}
	for i, cn := range credits {
		d.Credits = append(d.Credits, creditChoice{ID: cn.CreditID, Number: cn.Number, Memo: cn.Memo,
			Issued: portalDay(c, cn.IssueDate), Remaining: money.Format(cn.AmountRemaining, cn.Currency), Checked: i == checked})
	}
	if d.Amount == "" && checked >= 0 {
		d.Amount = money.FormatNumber(min(credits[checked].AmountRemaining, inv.AmountRemaining), inv.Currency)
	}
	var summary string
	if ve != nil {
		d.Errors = map[string]string{}
		msgs := make([]string, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			d.Errors[f.Field] = f.Message
			msgs = append(msgs, f.Message)
		}
		summary = "Nothing was applied. " + strings.Join(msgs, " ")
		// A refused amount leaves the code unspent: keep it so the payer
		// need not type it again. A refused code is cleared.
		if d.Errors["code"] == "" && len(form.code) <= 6 {
			d.Code = form.code
		}
	}
	s.renderPortal(c, status, "credit", portalPage{Title: "Apply a credit to " + vendors.InvoiceName(inv.Number), Error: summary, Data: d})
}
