package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// TestDigestLinksLand opens digest links as a payer's mail client would:
// GET shows the payer's invoices and changes nothing; only the
// unsubscribe POST changes state; bad links get a friendly page.
func TestDigestLinksLand(t *testing.T) {
	db := dbtest.SQLite(t)
	ps := payers.NewStore(db.Gorm, time.Now)
	vs := vendors.NewStore(db.Gorm, ps, time.Now)
	signer := links.NewSigner("landing-secret-landing-secret-xx", "https://hub.example", time.Now)
	srv := httptest.NewServer(New(Config{Vendors: vs, Payers: ps, Links: signer, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(), Ready: func(context.Context) error { return nil }}))
	defer srv.Close()

	ctx := context.Background()
	a, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Northwind <b>Supplies</b>", Domain: "northwind.example"})
	b, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Contoso"})
	amount := int64(125000)
	for _, v := range []int64{a.ID, b.ID} {
		vs.PushInvoices(ctx, v, []vendors.InvoiceInput{{ExternalID: "INV-1", Number: "1001", Currency: "USD", AmountDue: &amount,
			DueDate: "2026-12-01", PayURL: "https://pay.northwind.example/1001",
			Customer: vendors.CustomerInput{ExternalID: "C", Email: "ap@acme.example"}}})
	}
	vs.PushInvoices(ctx, b.ID, []vendors.InvoiceInput{{ExternalID: "OTHER", Number: "SECRET-9", Currency: "USD", AmountDue: &amount,
		DueDate: "2026-12-01", Customer: vendors.CustomerInput{ExternalID: "D", Email: "ap@other.example"}}})
	var payerID, invoiceID int64
	db.Gorm.Table("payers").Select("id").Where("key = ?", "email:ap@acme.example").Scan(&payerID)
	db.Gorm.Table("invoices").Select("id").Where("vendor_id = ? AND external_id = ?", a.ID, "INV-1").Scan(&invoiceID)

	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	pay, _ := signer.Token(links.Link{PayerID: payerID, DigestID: 1, Action: links.ActionPay, InvoiceID: invoiceID})
	code, body := get("/l/" + pay)
	if code != 200 || !strings.Contains(body, "Contoso") || !strings.Contains(body, "USD 1,250.00") ||
		!strings.Contains(body, `href="https://pay.northwind.example/1001"`) || !strings.Contains(body, "noopener noreferrer") {
		t.Fatalf("pay link: %d\n%s", code, body)
	}
	if strings.Contains(body, "<b>Supplies</b>") || strings.Contains(body, "SECRET-9") {
		t.Fatal("vendor text unescaped, or another payer's invoice shown")
	}

	unsub, _ := signer.Token(links.Link{PayerID: payerID, DigestID: 1, Action: links.ActionUnsubscribe, Channel: "email"})
	for range 3 { // mail scanners follow links: GET must not unsubscribe
		if code, body := get("/l/" + unsub); code != 200 || !strings.Contains(body, `method="post"`) {
			t.Fatalf("unsubscribe page: %d %s", code, body)
		}
	}
	p, _ := ps.Get(ctx, payerID)
	if !p.EmailEnabled {
		t.Fatal("a GET unsubscribed the payer")
	}
	resp, err := http.Post(srv.URL+"/l/"+unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %v %v", resp, err)
	}
	resp.Body.Close()
	if p, _ = ps.Get(ctx, payerID); p.EmailEnabled {
		t.Fatal("the one-click POST did not unsubscribe")
	}
	// A pay link cannot be posted to unsubscribe someone.
	resp, _ = http.Post(srv.URL+"/l/"+pay, "application/x-www-form-urlencoded", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("POST of a non-unsubscribe link: %d", resp.StatusCode)
	}

	other := links.NewSigner("another-secret-another-secret-xx", "https://hub.example", time.Now)
	forged, _ := other.Token(links.Link{PayerID: payerID, Action: links.ActionInbox})
	for _, bad := range []string{"/l/" + forged, "/l/" + pay[:len(pay)-2], "/l/nonsense", "/s/NOSUCHTOKEN"} {
		code, body := get(bad)
		if code != 404 || !strings.Contains(body, "expired") || strings.Contains(body, "Contoso") {
			t.Errorf("%s: %d %s", bad[:8], code, body)
		}
	}
}
