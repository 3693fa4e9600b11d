package handlers

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// TestOpenAPIEventTypes keeps the typed events of handlers/openapi.yaml in
// step with the event types the hub writes: one schema per type, each in the
// discriminator's mapping, and the EventType enum equal to vendors.EventTypes.
func TestOpenAPIEventTypes(t *testing.T) {
	spec, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	schemas := spec.doc.Components.Schemas
	var enum []string
	for _, v := range schemas["EventType"].Value.Enum {
		enum = append(enum, v.(string))
	}
	if !slices.Equal(slices.Sorted(slices.Values(enum)), slices.Sorted(slices.Values(vendors.EventTypes))) {
		t.Errorf("EventType enum %v, want vendors.EventTypes %v", enum, vendors.EventTypes)
	}
	event := schemas["Event"].Value
	if event.Discriminator == nil || event.Discriminator.PropertyName != "type" {
		t.Fatal("Event has no discriminator on type")
	}
	mapping := event.Discriminator.Mapping
	if len(mapping) != len(vendors.EventTypes) || len(event.OneOf) != len(vendors.EventTypes) {
		t.Errorf("Event has %d mapped and %d oneOf schemas, want one per type (%d)", len(mapping), len(event.OneOf), len(vendors.EventTypes))
	}
	for _, typ := range vendors.EventTypes {
		ref := mapping[typ].Ref
		s := spec.doc.Components.Schemas[ref[len("#/components/schemas/"):]]
		if ref == "" || s == nil {
			t.Errorf("event type %s has no schema in Event's discriminator mapping", typ)
			continue
		}
		if e := s.Value.Properties["type"].Value.Enum; len(e) != 1 || e[0] != typ {
			t.Errorf("%s: type enum %v, want [%s]", ref, e, typ)
		}
	}
}

// TestEventsOfEveryActionMatchTheDescription makes every event the payers'
// and vendors' actions write, through the stores that write them, and reads
// them with GET /v1/events: each must match its typed schema.
// (digest.delivered is written by the bundler; .ci/client-scenario reads a
// real one through the generated client.)
func TestEventsOfEveryActionMatchTheDescription(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		v := h.vendor("Northwind Supplies")
		const email = "ap@acme.example"
		inv1 := h.invoice(v, "N-1", email, 125000, "2026-11-30")
		inv2 := h.invoice(v, "N-2", email, 50000, "2026-11-30")
		inv3 := h.invoice(v, "N-3", email, 40000, "2026-11-30")
		inv4 := h.invoice(v, "N-4", email, 30000, "2026-11-30")
		h.invoice(v, "N-5", "ap2@acme.example", 20000, "2026-11-30")
		payer := h.payerID(email)
		check := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}

		q, err := h.threads.AskQuestion(ctx, payer, inv1, "Which PO is this for?")
		check("ask", err)
		d, err := h.threads.OpenDispute(ctx, payer, inv2, "pricing", 1000, "The unit price is wrong.")
		check("dispute", err)
		_, err = h.threads.VendorReply(ctx, v, q.ID, "PO 4471.")
		check("reply", err)
		_, err = h.threads.ResolveThread(ctx, v, d.ID, "rejected", "The price is the agreed one.")
		check("resolve", err)

		amount := int64(5000)
		_, err = h.vendors.PushCredits(ctx, v, []vendors.CreditInput{{ExternalID: "CN-1", Currency: "USD", Amount: &amount,
			Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme", Email: email}}})
		check("push credit", err)
		cn, err := h.vendors.GetCredit(ctx, v, "CN-1")
		check("credit", err)
		_, err = h.payers.ApplyCredit(ctx, payer, cn.ID, inv3, 1000)
		check("apply credit", err)

		_, err = h.payers.Promise(ctx, payer, inv3, civil.Date{Year: 2026, Month: time.November, Day: 27}, 0)
		check("promise", err)
		_, err = h.payers.PayClicked(ctx, payer, inv1)
		check("pay", err)
		reports, err := h.payers.ReportPayment(ctx, payer, payers.Report{Method: "bank_transfer", Reference: "WIRE 1",
			PaidOn: civil.Date{Year: 2026, Month: time.November, Day: 22}, Lines: []payers.ReportLine{{InvoiceID: inv4, Amount: 30000}}})
		check("report payment", err)
		_, err = h.payers.ConfirmPayment(ctx, v, reports[0].ID)
		check("confirm payment", err)

		h.now = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
		_, err = h.payers.BreakPromises(ctx, h.now)
		check("break promises", err)
		check("bounce", h.payers.Suppress(ctx, "email", email, payers.SuppressBounce, "550"))
		check("unsubscribe", h.payers.Suppress(ctx, "email", "ap2@acme.example", payers.SuppressUnsubscribe, ""))
		// Issue 13: mutes and pauses, and their undoing.
		check("mute", h.payers.MuteVendor(ctx, payer, v))
		check("unmute", h.payers.UnmuteVendor(ctx, payer, v))
		check("pause", h.payers.PauseUntil(ctx, payer, h.now.Add(72*time.Hour)))
		check("resume", h.payers.Resume(ctx, payer))

		key, _, err := h.vendors.CreateKey(ctx, v)
		check("key", err)
		req, _ := http.NewRequest("GET", h.srv.URL+"/v1/events?limit=500", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		check("GET /v1/events", err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		checkOpenAPI(t, req, nil, resp.StatusCode, resp.Header, body)

		var feed eventList
		if err := json.Unmarshal(body, &feed); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /v1/events: %d %s", resp.StatusCode, body)
		}
		seen := map[string]bool{}
		for _, e := range feed.Data {
			seen[e.Type] = true
		}
		for _, typ := range vendors.EventTypes {
			// payment.received and payment.refunded need Stripe: TestPortalCheckout
			// reads them through GET /v1/events against the schemas.
			if !seen[typ] && typ != vendors.EventDigestDelivered && typ != "payment.received" && typ != "payment.refunded" {
				t.Errorf("no %s event was written (events: %v)", typ, slices.Sorted(maps.Keys(seen)))
			}
		}
	})
}
