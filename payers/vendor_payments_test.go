package payers_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/payers/payerstest"
	"github.com/duehub/duehub/vendors"
)

// activeHolds returns the kinds of the unreleased holds on an invoice.
func activeHolds(t *testing.T, db *database.DB, invoiceID int64) []string {
	t.Helper()
	var kinds []string
	if err := db.Gorm.Table("holds").Where("invoice_id = ? AND released_at IS NULL", invoiceID).Pluck("kind", &kinds).Error; err != nil {
		t.Fatal(err)
	}
	return kinds
}

func TestConfirmPayment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newPayNet(t, db)
		north, contoso := n.vendor("Northwind"), n.vendor("Contoso")
		acme := vendors.CustomerInput{Email: "ap@acme.example", Name: "Acme"}
		n1 := n.push(north, "N-1", "USD", 10000, acme)
		n2 := n.push(north, "N-2", "USD", 7000, acme)
		c1 := n.push(contoso, "C-1", "USD", 20000, acme)
		reports, err := n.payers.ReportPayment(ctx, n.payer("ap@acme.example"), payers.Report{
			Method: "bank_transfer", Reference: "WIRE 7", PaidOn: civil.Of(n.now),
			Lines: []payers.ReportLine{{InvoiceID: n1, Amount: 4000}, {InvoiceID: n2, Amount: 7000}, {InvoiceID: c1, Amount: 20000}},
		})
		if err != nil || len(reports) != 2 {
			t.Fatalf("report: %v %+v", err, reports)
		}
		northReport, contosoReport := reports[0].ID, reports[1].ID

		list, err := n.payers.VendorPayments(ctx, north, payers.VendorPaymentFilter{})
		if err != nil || len(list) != 1 || list[0].ID != northReport || list[0].Status() != payers.PaymentPending ||
			len(list[0].Invoices) != 2 || list[0].Invoices[0].InvoiceExternalID != "N-1" || list[0].Invoices[0].Amount != 4000 ||
			list[0].Invoices[1].InvoiceExternalID != "N-2" || list[0].Amount != 11000 {
			t.Fatalf("Northwind's payments: %+v %v", list, err)
		}
		if b, _ := json.Marshal(list); strings.Contains(string(b), "C-1") {
			t.Errorf("Northwind sees Contoso's invoice: %s", b)
		}
		if _, err := n.payers.VendorPayments(ctx, north, payers.VendorPaymentFilter{Status: "lost"}); payerstest.InvalidField(t, err) != "status" {
			t.Errorf("bad status filter: %v", err)
		}

		if _, err := n.payers.ConfirmPayment(ctx, north, contosoReport); !errors.Is(err, vendors.ErrNotFound) {
			t.Fatalf("Northwind confirming Contoso's report: %v", err)
		}
		if h := activeHolds(t, db, c1); len(h) != 1 {
			t.Fatalf("Contoso's hold after Northwind's attempt: %v", h)
		}

		p, err := n.payers.ConfirmPayment(ctx, north, northReport)
		if err != nil || p.Status() != payers.PaymentConfirmed || !p.ConfirmedAt.Equal(n.now) || len(p.Invoices) != 2 {
			t.Fatalf("confirm: %+v %v", p, err)
		}
		for _, id := range []int64{n1, n2} {
			if h := activeHolds(t, db, id); len(h) != 0 {
				t.Errorf("invoice %d still held: %v", id, h)
			}
		}
		if h := activeHolds(t, db, c1); len(h) != 1 || h[0] != payers.HoldPaymentReported {
			t.Errorf("Contoso's hold: %v", h)
		}
		evs, _ := n.vendors.Events(ctx, north, 0, 100)
		var confirmed []string
		for _, e := range evs {
			if e.Type == payers.EventPaymentConfirmed {
				confirmed = append(confirmed, e.Payload)
			}
		}
		if len(confirmed) != 1 || !strings.Contains(confirmed[0], `"external_id":"N-1"`) || strings.Contains(confirmed[0], "C-1") {
			t.Fatalf("payment.confirmed events: %v", confirmed)
		}

		again, err := n.payers.ConfirmPayment(ctx, north, northReport)
		if err != nil || !again.ConfirmedAt.Equal(*p.ConfirmedAt) {
			t.Fatalf("confirming again: %+v %v", again, err)
		}
		evs, _ = n.vendors.Events(ctx, north, 0, 100)
		if len(evs) != 2 { // payment.reported, payment.confirmed
			t.Errorf("events after confirming twice: %d", len(evs))
		}
		pending, _ := n.payers.VendorPayments(ctx, north, payers.VendorPaymentFilter{Status: payers.PaymentPending})
		done, _ := n.payers.VendorPayments(ctx, north, payers.VendorPaymentFilter{Status: payers.PaymentConfirmed})
		if len(pending) != 0 || len(done) != 1 {
			t.Errorf("filters: %d pending, %d confirmed", len(pending), len(done))
		}
	})
}
