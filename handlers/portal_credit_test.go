package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// pushCredit pushes a credit note for the customer h.invoice uses for email
// (or for customer, when given) and returns its id.
func (h *portalHub) pushCredit(vendorID int64, ext, email, customer, currency string, amount int64) int64 {
	h.t.Helper()
	if customer == "" {
		customer = "C-" + email
	}
	in := vendors.CreditInput{ExternalID: ext, Currency: currency, Amount: &amount, IssueDate: "2026-11-02", Memo: "Damaged pallet " + ext,
		Customer: vendors.CustomerInput{ExternalID: customer, Name: "Acme", Email: email}}
	res, err := h.vendors.PushCredits(context.Background(), vendorID, []vendors.CreditInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		h.t.Fatalf("push credit: %v %+v", err, res)
	}
	cn, _ := h.vendors.GetCredit(context.Background(), vendorID, ext)
	return cn.ID
}

func (h *portalHub) creditLeft(vendorID int64, ext string) int64 {
	h.t.Helper()
	cn, err := h.vendors.GetCredit(context.Background(), vendorID, ext)
	if err != nil {
		h.t.Fatal(err)
	}
	return cn.AmountRemaining
}

var emailedCode = regexp.MustCompile(`^Your duehub code: ([0-9]{6})$`)

// askCode presses "Email me a code" and returns the code from the outbox.
func (b *browser) askCode(invoiceID int64) string {
	b.h.t.Helper()
	page := "/portal/invoices/" + itoa(invoiceID) + "/credit"
	r := b.post(page+"/code", nil, page)
	if r.status != http.StatusSeeOther || r.location != page+"?done=code" {
		b.h.t.Fatalf("ask for a code: %d → %q\n%s", r.status, r.location, r.body)
	}
	msgs := b.h.messages()
	m := emailedCode.FindStringSubmatch(msgs[0].Subject)
	if m == nil {
		b.h.t.Fatalf("the newest email is not a code: %q", msgs[0].Subject)
	}
	return m[1]
}

func TestApplyCreditWithEmailedCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		const acme = "ap@acme.example"
		north, contoso := h.vendor("Northwind"), h.vendor("Contoso")
		inv := h.invoice(north, "N-1", acme, 100000, "2026-11-20")
		cn := h.pushCredit(north, "CN-1", acme, "", "USD", 30000)
		h.pushCredit(north, "CN-EURO", acme, "", "EUR", 30000)
		h.pushCredit(north, "CN-OTHER-ACCOUNT", acme, "C-2", "USD", 30000)
		foreign := h.pushCredit(contoso, "CN-CONTOSO", acme, "", "USD", 30000)
		h.invoice(north, "N-THEIRS", "ap@other.example", 1000, "2026-11-20")
		h.pushCredit(north, "CN-THEIRS", "ap@other.example", "", "USD", 30000)

		b := h.signIn(acme)
		page := "/portal/invoices/" + itoa(inv) + "/credit"
		r := b.get(page)
		if r.status != 200 {
			t.Fatalf("credit page: %d\n%s", r.status, r.body)
		}
		for _, want := range []string{"CN-1", "USD 300.00 remaining", "Damaged pallet CN-1", `value="300.00"`,
			`<label for="amount">`, `<label for="code">`, `<label for="credit-` + itoa(cn) + `"`, "Email me a code", "Apply credit"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("credit page lacks %q", want)
			}
		}
		for _, never := range []string{"CN-EURO", "CN-OTHER-ACCOUNT", "CN-CONTOSO", "CN-THEIRS"} {
			if strings.Contains(r.body, never) {
				t.Errorf("credit page offers %s", never)
			}
		}
		if strings.Contains(r.body, "<script") {
			t.Error("the credit page has JavaScript")
		}

		apply := func(credit int64, amount, code string) webPage {
			return b.post(page, url.Values{"credit": {itoa(credit)}, "amount": {amount}, "code": {code}}, page)
		}
		wantLeft := int64(30000) // what the credit holds while refusals are checked
		refused := func(name string, r webPage, field, message string) {
			t.Helper()
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="`+field+`-error"`) ||
				!strings.Contains(r.body, message) || !strings.Contains(r.body, "Nothing was applied.") {
				t.Fatalf("%s: %d, want 422 naming %s with %q\n%s", name, r.status, field, message, r.body)
			}
			if left := h.creditLeft(north, "CN-1"); left != wantLeft {
				t.Fatalf("%s: the credit moved to %d", name, left)
			}
		}

		// No code asked for yet.
		refused("no code", apply(cn, "120.50", "123456"), "code", "This code is wrong, expired or already used.")

		code := b.askCode(inv)
		if r := b.get(page + "?done=code"); !strings.Contains(r.body, "We emailed you a 6-digit code") {
			t.Error("no confirmation that a code was sent")
		}
		if msgs := h.messages(); !slices.Equal(msgs[0].To, []string{acme}) {
			t.Fatalf("the code went to %v", msgs[0].To)
		}
		r = apply(cn, "120.50", code)
		if r.status != http.StatusSeeOther || r.location != "/portal/invoices/"+itoa(inv)+"?done=credit" {
			t.Fatalf("apply: %d → %q\n%s", r.status, r.location, r.body)
		}
		wantLeft = 30000 - 12050
		if left := h.creditLeft(north, "CN-1"); left != wantLeft {
			t.Fatalf("credit left: %d", left)
		}
		r = b.get(r.location)
		if !strings.Contains(r.body, "The credit was applied.") || !strings.Contains(r.body, "USD 879.50") {
			t.Fatalf("the invoice page after applying:\n%s", r.body)
		}
		if evs := h.events(north); !slices.Contains(evs, "credit.applied") {
			t.Fatalf("vendor events: %v", evs)
		}
		if evs := h.events(contoso); slices.Contains(evs, "credit.applied") {
			t.Fatal("another vendor heard of the credit")
		}

		// The spent code does not work twice.
		r = apply(cn, "10.00", code)
		refused("replayed code", r, "code", "This code is wrong, expired or already used.")
		if strings.Contains(r.body, `value="`+code+`"`) {
			t.Error("a refused code is put back in the form")
		}

		// A code older than 10 minutes is refused.
		code = b.askCode(inv)
		h.now = h.now.Add(payers.OTPTTL + time.Second)
		refused("expired code", apply(cn, "10.00", code), "code", "This code is wrong, expired or already used.")

		// A bad amount names the field and does not spend the code.
		code = b.askCode(inv)
		refused("above the credit", apply(cn, "179.51", code), "amount", "At most USD 179.50 remains on this credit.")
		if r := apply(cn, "179.51", code); !strings.Contains(r.body, `value="179.51"`) || !strings.Contains(r.body, `value="`+code+`"`) ||
			!strings.Contains(r.body, `id="credit-`+itoa(cn)+`" name="credit" value="`+itoa(cn)+`" style="width:auto;margin-top:.35rem" checked`) {
			t.Error("the refused form lost what the payer typed")
		}
		refused("not an amount", apply(cn, "12,3x", code), "amount", "Enter an amount in USD")
		refused("zero", apply(cn, "0", code), "amount", "Enter an amount above zero.")
		refused("another vendor's credit", apply(foreign, "10.00", code), "credit", "from another vendor")
		if r := apply(cn, "179.50", code); r.status != http.StatusSeeOther {
			t.Fatalf("the code after refused amounts: %d\n%s", r.status, r.body)
		}
		wantLeft = 0
		if r := b.get(page); r.status != 200 || !strings.Contains(r.body, "No credit is available for this invoice.") {
			t.Fatalf("the page once the credit is used up:\n%s", r.body)
		}
		if n := strings.Count(strings.Join(h.events(north), " "), "credit.applied"); n != 2 {
			t.Fatalf("%d credit.applied events, want 2", n)
		}
	})
}

func TestCreditAcrossPayers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		xInv := h.invoice(north, "X-1", "ap@x.example", 100000, "2026-11-20")
		xCredit := h.pushCredit(north, "CN-X", "ap@x.example", "", "USD", 5000)
		yInv := h.invoice(north, "Y-1", "ap@y.example", 100000, "2026-11-20")
		h.pushCredit(north, "CN-Y", "ap@y.example", "", "USD", 5000)

		y := h.signIn("ap@y.example")
		xPage := "/portal/invoices/" + itoa(xInv) + "/credit"
		yPage := "/portal/invoices/" + itoa(yInv) + "/credit"
		if r := y.get(xPage); r.status != 404 || strings.Contains(r.body, "CN-X") || strings.Contains(r.body, "X-1") {
			t.Fatalf("payer Y sees X's credit page: %d", r.status)
		}
		if r := y.get(yPage); r.status != 200 || strings.Contains(r.body, "CN-X") || !strings.Contains(r.body, "CN-Y") {
			t.Fatalf("payer Y's own credit page: %d", r.status)
		}
		sent := len(h.messages())
		if r := y.post(xPage+"/code", nil, yPage); r.status != 404 || len(h.messages()) != sent {
			t.Fatalf("a code asked on X's invoice: %d", r.status)
		}
		code := y.askCode(yInv)
		if r := y.post(xPage, url.Values{"credit": {itoa(xCredit)}, "amount": {"10.00"}, "code": {code}}, yPage); r.status != 404 {
			t.Fatalf("Y applies X's credit to X's invoice: %d", r.status)
		}
		if r := y.post(yPage, url.Values{"credit": {itoa(xCredit)}, "amount": {"10.00"}, "code": {code}}, yPage); r.status != 404 || strings.Contains(r.body, "CN-X") {
			t.Fatalf("Y applies X's credit to its own invoice: %d", r.status)
		}
		if h.creditLeft(north, "CN-X") != 5000 || strings.Contains(strings.Join(h.events(north), " "), "credit.applied") {
			t.Fatal("X's credit moved")
		}
		// X still can, and gets a plain page when its invoice has no credit.
		x := h.signIn("ap@x.example")
		if r := x.get(xPage); r.status != 200 || !strings.Contains(r.body, "CN-X") {
			t.Fatalf("X's own credit page: %d", r.status)
		}
		bare := h.invoice(h.vendor("Contoso"), "X-2", "ap@x.example", 1000, "2026-11-20")
		if r := x.get("/portal/invoices/" + itoa(bare) + "/credit"); r.status != 200 || !strings.Contains(r.body, "No credit is available") ||
			strings.Contains(r.body, "Email me a code") {
			t.Fatalf("a page with no credit: %d\n%s", r.status, r.body)
		}
	})
}
