package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/webhooks"
)

// TestQuestionRoutedToVendorAndBack is issue 5's loop end to end: a payer
// asks in the portal; the vendor sees the event in its feed and receives
// it as a signed webhook; it answers over the API; the payer sees the answer
// in the portal and is emailed.
func TestQuestionRoutedToVendorAndBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		vendor := h.vendor("Northwind Supplies")
		inv := h.invoice(vendor, "N-1", "ap@acme.example", 125000, "2026-11-20")
		key, _, err := h.vendors.CreateKey(context.Background(), vendor)
		if err != nil {
			t.Fatal(err)
		}
		api := func(method, path string, body any) (int, []byte) {
			t.Helper()
			var raw []byte
			if body != nil {
				raw, _ = json.Marshal(body)
			}
			req, _ := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(raw))
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			checkOpenAPI(t, req, raw, resp.StatusCode, resp.Header, out)
			return resp.StatusCode, out
		}

		receiver := newHookReceiver(t)
		status, out := api("POST", "/v1/webhook-endpoints", map[string]any{"url": receiver.URL})
		var endpoint struct {
			Secret string `json:"secret"`
		}
		json.Unmarshal(out, &endpoint)
		if status != 201 || !strings.HasPrefix(endpoint.Secret, "whsec_") {
			t.Fatalf("register endpoint: %d %s", status, out)
		}

		payer := h.signIn("ap@acme.example")
		invPath := "/portal/invoices/" + itoa(inv)
		if r := payer.post(invPath+"/questions", url.Values{"body": {"Which PO is this for?"}}, invPath); r.status != http.StatusSeeOther {
			t.Fatalf("ask: %d %s", r.status, r.body)
		}

		_, out = api("GET", "/v1/events", nil)
		var feed struct {
			Data []struct {
				Type string         `json:"type"`
				Data map[string]any `json:"data"`
			} `json:"data"`
		}
		json.Unmarshal(out, &feed)
		if len(feed.Data) != 1 || feed.Data[0].Type != "question.created" {
			t.Fatalf("events: %s", out)
		}
		threadID := int64(feed.Data[0].Data["thread_id"].(float64))

		d := webhooks.New(webhooks.Config{Vendors: h.vendors, Guard: liftedGuard(),
			Log: slog.New(slog.DiscardHandler)})
		if _, err := d.FanOut(context.Background()); err != nil {
			t.Fatal(err)
		}
		due, _ := d.Due(context.Background(), 10)
		for _, x := range due {
			if _, err := d.Deliver(context.Background(), x.ID); err != nil {
				t.Fatal(err)
			}
		}
		hits := receiver.received()
		if len(hits) != 1 || !strings.Contains(string(hits[0].body), "question.created") {
			t.Fatalf("webhook receiver got %d requests", len(hits))
		}
		verifyHookSignature(t, endpoint.Secret, hits[0].header.Get("Duehub-Signature"), hits[0].body)

		if status, out := api("POST", "/v1/threads/"+itoa(threadID)+"/messages", map[string]any{"body": "PO 4471, delivered 14 Nov."}); status != 201 {
			t.Fatalf("answer: %d %s", status, out)
		}
		if r := payer.get(invPath); !strings.Contains(r.body, "PO 4471, delivered 14 Nov.") || !strings.Contains(r.body, "Northwind Supplies") {
			t.Fatalf("the payer does not see the answer:\n%s", r.body)
		}
		var mailed bool
		for _, m := range h.messages() {
			if len(m.To) > 0 && m.To[0] == "ap@acme.example" && strings.Contains(m.Text, "PO 4471, delivered 14 Nov.") {
				mailed = true
			}
		}
		if !mailed {
			t.Fatal("no email told the payer about the answer")
		}
	})
}
