package handlers

import (
	"encoding/json"
	"maps"
	"testing"
)

// eventData returns the data of an event of type typ shaped as the hub
// writes it (and as handlers/openapi.yaml describes it), with the fields of
// set replacing the defaults. Tests that record events by hand use it, so
// that GET /v1/events answers what the description allows.
func eventData(t testing.TB, typ string, set map[string]any) map[string]any {
	t.Helper()
	invoice := map[string]any{"invoice_external_id": "INV-1001", "invoice_number": "1001"}
	withInvoice := func(m map[string]any) map[string]any {
		maps.Copy(m, invoice)
		return m
	}
	payment := []map[string]any{{"external_id": "INV-1001", "amount": 40000}}
	at := "2026-11-22T09:30:00Z"
	var d map[string]any
	switch typ {
	case "question.created":
		d = withInvoice(map[string]any{"thread_id": 42, "body": "Which PO is this?"})
	case "dispute.created":
		d = withInvoice(map[string]any{"thread_id": 43, "reason": "pricing", "disputed_amount": 25000,
			"currency": "USD", "note": "The price is wrong."})
	case "thread.message":
		d = withInvoice(map[string]any{"thread_id": 42, "kind": "question", "message_id": 9, "author": "vendor",
			"body": "PO 4471.", "state": "answered"})
	case "thread.resolved":
		d = withInvoice(map[string]any{"thread_id": 43, "kind": "dispute", "outcome": "credit_issued", "note": "",
			"resolved_at": at, "hold_released": true})
	case "credit.applied":
		d = map[string]any{"credit": "CN-12", "invoice": "INV-1001", "customer": "C-77", "amount": 5000,
			"currency": "USD", "credit_remaining": 0, "invoice_remaining": 120000, "invoice_status": "open", "applied_at": at}
	case "promise.created":
		d = withInvoice(map[string]any{"promised_date": "2026-12-10", "amount": 125000, "currency": "USD"})
	case "promise.broken":
		d = withInvoice(map[string]any{"promised_date": "2026-12-10", "amount": 125000, "amount_remaining": 125000,
			"currency": "USD"})
	case "payment.reported":
		d = map[string]any{"method": "bank_transfer", "reference": "WIRE 2026-11-22", "paid_on": "2026-11-22",
			"held_until": at, "reports": []map[string]any{{"report_id": 7, "currency": "USD", "amount": 40000, "invoices": payment}}}
	case "payment.confirmed":
		d = map[string]any{"report_id": 7, "currency": "USD", "amount": 40000, "confirmed_at": at, "invoices": payment}
	case "pay.clicked":
		d = withInvoice(map[string]any{"amount_remaining": 125000, "currency": "USD"})
	case "digest.delivered":
		d = map[string]any{"digest_id": 5, "channel": "email", "invoice_ids": []string{"INV-1001"}, "sent_at": at}
	case "contact.bounced", "contact.unsubscribed":
		d = map[string]any{"channel": "email", "address": "ap@acme.example", "reason": "bounce", "customers": []string{"C-77"}}
	case "payer.muted", "payer.unmuted", "payer.resumed": // issue 13
		d = map[string]any{"customers": []string{"C-77"}}
	case "payer.paused":
		d = map[string]any{"customers": []string{"C-77"}, "paused_until": "2026-12-16T00:00:00Z", "last_paused_day": "2026-12-15"}
	default:
		t.Fatalf("eventData: no sample for event type %q", typ)
	}
	maps.Copy(d, set)
	return d
}

// eventJSON is eventData of typ as stored JSON, marked by its invoice
// external id so a test can tell events apart.
func eventJSON(t testing.TB, typ, marker string) string {
	t.Helper()
	b, err := json.Marshal(eventData(t, typ, map[string]any{"invoice_external_id": marker}))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
