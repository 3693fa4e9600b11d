package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/checkout/checkouttest"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

const stripeWebhookSecret = "whsec_handlers_test"

// checkoutHub is a portal hub with the Stripe checkout on, against
// stripe-mock.
func newCheckoutHub(t *testing.T, db *database.DB, feeBPS int64) (*portalHub, *checkout.Store, *checkouttest.Stripe) {
	t.Helper()
	mock := checkouttest.Start(t)
	var store *checkout.Store
	h := newPortalHub(t, db, func(cfg *Config) {
		var err error
		store, err = checkout.New(checkout.Config{DB: db.Gorm, SecretKey: "sk_test_123", WebhookSecret: stripeWebhookSecret,
			APIBase: mock.URL, FeeBPS: feeBPS, Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Checkout = store
	})
	return h, store, mock
}

// connect connects the vendor to Stripe as if onboarding had finished.
func connect(t *testing.T, h *portalHub, store *checkout.Store, vendorID int64) {
	t.Helper()
	if _, err := store.OnboardingLink(context.Background(), vendorID, h.srv.URL+"/vendor/stripe", h.srv.URL+"/vendor/stripe"); err != nil {
		t.Fatal(err)
	}
	if err := h.db.Gorm.Exec("UPDATE stripe_accounts SET charges_enabled = ?, currencies = 'usd,eur' WHERE vendor_id = ?", true, vendorID).Error; err != nil {
		t.Fatal(err)
	}
}

func postStripe(t *testing.T, h *portalHub, body []byte, signature string) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Stripe-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

func TestPortalCheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, store, mock := newCheckoutHub(t, db, 100)
		north, contoso, plain := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper"), h.vendor("Plain Goods")
		connect(t, h, store, north)
		connect(t, h, store, contoso)
		const acme = "ap@acme.example"
		n1 := h.invoice(north, "N-1", acme, 10000, "2026-11-20")
		c1 := h.invoice(contoso, "C-1", acme, 20000, "2026-11-30")
		p1 := h.invoice(plain, "P-1", acme, 5000, "2026-11-30")
		theirs := h.invoice(contoso, "SECRET-9", "ap@other.example", 500, "2026-11-30")
		b := h.signIn(acme)

		// The inbox offers online payment of the ticked invoices; not to a
		// payer none of whose vendors has connected Stripe.
		mustContain(t, "inbox", b.get("/portal").body, `formaction="/portal/checkout"`)
		h.invoice(plain, "P-2", "ap@plain-only.example", 700, "2026-11-30")
		mustNotContain(t, "inbox of a payer of an unconnected vendor only", h.signIn("ap@plain-only.example").get("/portal").body,
			`formaction="/portal/checkout"`, "Pay the selected invoices online")

		// The page groups by currency; a vendor without Stripe cannot be ticked.
		quoteURL := "/portal/checkout?invoice=" + itoa(n1) + "&invoice=" + itoa(c1) + "&amount%5B" + itoa(n1) + "%5D=40.00"
		page := b.get(quoteURL)
		if page.status != http.StatusOK {
			t.Fatalf("checkout page: %d %s", page.status, page.body)
		}
		mustContain(t, "checkout page", page.body, "Invoices in USD", "Pays through its own payment page only.",
			`id="co-`+itoa(p1)+`" name="invoice" value="`+itoa(p1)+`" style="width:auto;margin-top:.35rem" disabled`,
			"Your payment of USD 242.40", "Northwind Supplies", "USD 40.00", "Contoso Paper", "USD 200.00",
			"duehub service fee (1 %)", "USD 2.40", "Pay USD 242.40 with Stripe")
		mustNotContain(t, "checkout page", page.body, "SECRET-9")

		// Above the remaining amount: refused, nothing charged.
		over := b.get("/portal/checkout?invoice=" + itoa(n1) + "&amount%5B" + itoa(n1) + "%5D=100.01")
		if over.status != http.StatusUnprocessableEntity {
			t.Fatalf("over remaining: %d", over.status)
		}
		mustContain(t, "over", over.body, "must be at most the USD 100.00 remaining")

		// Another payer's invoice is not found, on the page and on POST.
		if r := b.get("/portal/checkout?invoice=" + itoa(n1) + "&invoice=" + itoa(theirs)); r.status != http.StatusNotFound {
			t.Fatalf("another payer's invoice on the page: %d", r.status)
		}
		if r := b.post("/portal/checkout", url.Values{"invoice": {itoa(theirs)}}, quoteURL); r.status != http.StatusNotFound {
			t.Fatalf("another payer's invoice paid: %d", r.status)
		}

		// Paying goes to Stripe's page.
		pay := b.post("/portal/checkout", url.Values{"invoice": {itoa(n1), itoa(c1)}, "amount[" + itoa(n1) + "]": {"40.00"}}, quoteURL)
		if pay.status != http.StatusSeeOther || !strings.HasPrefix(pay.location, "https://checkout.stripe.com/") {
			t.Fatalf("pay: %d %q %s", pay.status, pay.location, pay.body)
		}
		sessions := mock.Requests("POST", "/v1/checkout/sessions")
		if len(sessions) != 1 {
			t.Fatalf("sessions: %d", len(sessions))
		}
		if s := sessions[0].Form.Get("success_url"); !strings.HasSuffix(s, "/portal/checkout/done?session={CHECKOUT_SESSION_ID}") {
			t.Fatalf("success url %q", s)
		}
		var sessionID string
		db.Gorm.Raw("SELECT session_id FROM checkouts").Scan(&sessionID)

		// The webhook: forged is refused as problem+json, changes nothing.
		event := checkouttest.SessionCompleted("evt_portal_1", sessionID, "pi_portal")
		status, ctype, body := postStripe(t, h, event, checkouttest.Sign(event, "whsec_forged"))
		if status != http.StatusBadRequest || ctype != "application/problem+json" || body["code"] != "bad_signature" {
			t.Fatalf("forged: %d %s %v", status, ctype, body)
		}
		var stored int64
		db.Gorm.Raw("SELECT COUNT(*) FROM stripe_events").Scan(&stored)
		if stored != 0 {
			t.Fatalf("forged event stored")
		}
		status, _, body = postStripe(t, h, event, checkouttest.Sign(event, stripeWebhookSecret))
		if status != http.StatusOK || body["duplicate"] != false {
			t.Fatalf("webhook: %d %v", status, body)
		}
		// No job runner here: process what was stored, as the River job does.
		ids, _ := store.PendingEvents(context.Background(), 10)
		for _, id := range ids {
			if err := store.Process(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
		status, _, body = postStripe(t, h, event, checkouttest.Sign(event, stripeWebhookSecret))
		if status != http.StatusOK || body["duplicate"] != true {
			t.Fatalf("replay: %d %v", status, body)
		}
		if ids, _ := store.PendingEvents(context.Background(), 10); len(ids) != 0 {
			t.Fatalf("replay stored again: %v", ids)
		}
		inv, _ := h.vendors.GetInvoice(context.Background(), north, "N-1")
		if inv.AmountRemaining != 6000 {
			t.Fatalf("N-1 remaining %d", inv.AmountRemaining)
		}
		if got := h.events(contoso); !containsString(got, checkout.EventPaymentReceived) {
			t.Fatalf("contoso events %v", got)
		}
		done := b.get("/portal/checkout/done?session=" + url.QueryEscape(sessionID))
		mustContain(t, "done", done.body, "Paid: USD 242.40")
		// A full refund reopens the invoice and tells the vendor.
		refund := checkouttest.ChargeRefunded("evt_portal_refund", "ch_portal", "pi_portal", 24240)
		if status, _, _ := postStripe(t, h, refund, checkouttest.Sign(refund, stripeWebhookSecret)); status != http.StatusOK {
			t.Fatalf("refund webhook: %d", status)
		}
		ids, _ = store.PendingEvents(context.Background(), 10)
		for _, id := range ids {
			if err := store.Process(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
		if inv, _ := h.vendors.GetInvoice(context.Background(), north, "N-1"); inv.AmountRemaining != 10000 || inv.Status != "open" {
			t.Fatalf("N-1 after refund: %d %s", inv.AmountRemaining, inv.Status)
		}
		// Both events match their schemas in GET /v1/events.
		key, _, err := h.vendors.CreateKey(context.Background(), contoso)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", h.srv.URL+"/v1/events?limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		checkOpenAPI(t, req, nil, resp.StatusCode, resp.Header, raw)
		mustContain(t, "events", string(raw), `"type":"payment.received"`, `"type":"payment.refunded"`, `"transfer_group":"duehub_checkout_`)
		mustNotContain(t, "contoso events", string(raw), "N-1")
		// Another payer cannot see it.
		other := h.invoice(north, "O-1", "ap@other.example", 100, "2026-11-30")
		_ = other
		if r := h.signIn("ap@other.example").get("/portal/checkout/done?session=" + url.QueryEscape(sessionID)); r.status != http.StatusNotFound {
			t.Fatalf("another payer's checkout: %d", r.status)
		}
	})
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestVendorConnectStripe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, _, mock := newCheckoutHub(t, db, 0)
		north := h.vendor("Northwind Supplies")
		h.member(north, "admin@north.example", vendors.RoleAdmin)
		h.member(north, "agent@north.example", vendors.RoleAgent)
		admin := h.vendorSignIn("admin@north.example")
		page := admin.get("/vendor/stripe")
		mustContain(t, "stripe page", page.body, "Not connected.", "Connect Stripe", `href="/vendor/stripe"`)
		r := admin.post("/vendor/stripe/connect", nil, "/vendor/stripe")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "https://") {
			t.Fatalf("connect: %d %q %s", r.status, r.location, r.body)
		}
		links := mock.Requests("POST", "/v1/account_links")
		if len(links) != 1 || links[0].Form.Get("type") != "account_onboarding" || !strings.HasSuffix(links[0].Form.Get("return_url"), "/vendor/stripe?returned=1") {
			t.Fatalf("account links: %+v", links)
		}
		var acctID string
		db.Gorm.Table("stripe_accounts").Where("vendor_id = ?", north).Pluck("account_id", &acctID)
		// Where the vendor's payments will go is audited, with who connected it.
		var audited []struct{ Action, Actor, TargetID string }
		db.Gorm.Raw(`SELECT action, actor, target_id FROM audit_log WHERE vendor_id = ? AND action LIKE 'stripe.%'`, north).Scan(&audited)
		if len(audited) != 1 || audited[0].Action != "stripe.account_created" || audited[0].Actor != "admin@north.example" || audited[0].TargetID != acctID {
			t.Fatalf("audit rows of the connection: %+v (account %s)", audited, acctID)
		}
		// Back from Stripe: viewing the page asks Stripe nothing and
		// changes nothing; a press of Check status reads the account.
		var before string
		db.Gorm.Table("stripe_accounts").Where("vendor_id = ?", north).Select("updated_at").Scan(&before)
		page = admin.get("/vendor/stripe?returned=1")
		mustContain(t, "back from Stripe", page.body, "Welcome back from Stripe", "Check status at Stripe", "Takes payments</dt><dd>Not yet",
			"Continue onboarding at Stripe") // not yet taking payments: onboarding is not finished
		var after string
		db.Gorm.Table("stripe_accounts").Where("vendor_id = ?", north).Select("updated_at").Scan(&after)
		if got := mock.Requests("GET", "/v1/accounts/"+acctID); len(got) != 0 || before != after {
			t.Fatalf("viewing the page read the account %d times from Stripe and changed its row (%s -> %s)", len(got), before, after)
		}
		r = admin.post("/vendor/stripe/refresh", nil, "/vendor/stripe")
		if r.status != http.StatusSeeOther || r.location != "/vendor/stripe?done=refreshed" {
			t.Fatalf("refresh: %d %q", r.status, r.location)
		}
		if got := mock.Requests("GET", "/v1/accounts/"+acctID); len(got) != 1 {
			t.Fatalf("refresh read the account %d times", len(got))
		}
		page = admin.get("/vendor/stripe?done=refreshed")
		mustContain(t, "refreshed", page.body, "Status read from Stripe", "Takes payments</dt><dd>Not yet", "Stripe still needs", "A bank account for payouts", "<code>external_account</code>", "Continue onboarding at Stripe")
		// Agents can neither connect the vendor's account nor refresh it.
		agent := h.vendorSignIn("agent@north.example")
		if r := agent.post("/vendor/stripe/connect", nil, "/vendor"); r.status == http.StatusSeeOther {
			t.Fatalf("agent connected Stripe: %d", r.status)
		}
		if r := agent.post("/vendor/stripe/refresh", nil, "/vendor"); r.status == http.StatusSeeOther {
			t.Fatalf("agent refreshed Stripe: %d", r.status)
		}
	})
}

// Without Stripe configured the feature is invisible.
func TestCheckoutOffWithoutStripe(t *testing.T) {
	h := newPortalHub(t, dbtest.SQLite(t))
	north := h.vendor("Northwind Supplies")
	h.invoice(north, "N-1", "ap@acme.example", 10000, "2026-11-20")
	b := h.signIn("ap@acme.example")
	mustNotContain(t, "inbox", b.get("/portal").body, "/portal/checkout")
	if r := b.get("/portal/checkout"); r.status != http.StatusNotFound {
		t.Fatalf("checkout page without Stripe: %d", r.status)
	}
	if status, _, _ := postStripe(t, h, []byte("{}"), ""); status != http.StatusNotFound {
		t.Fatalf("stripe webhook without Stripe: %d", status)
	}
}
