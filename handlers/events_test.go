package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func TestEventsFeed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		a, keyA := h.vendor("Northwind")
		b, keyB := h.vendor("Contoso")
		ctx := context.Background()
		record := func(vendor int64, typ string, data any) {
			t.Helper()
			if err := h.vendors.RecordEvent(ctx, vendor, typ, data); err != nil {
				t.Fatal(err)
			}
		}

		var empty eventList
		h.do("GET", "/v1/events", keyA, nil).json(t, &empty)
		if len(empty.Data) != 0 || empty.NextCursor != nil || empty.HasMore {
			t.Fatalf("no events yet: %+v", empty)
		}

		record(a, "question.created", eventData(t, "question.created", map[string]any{"thread_id": 1, "invoice_external_id": "INV-1"}))
		record(b, "question.created", eventData(t, "question.created", map[string]any{"thread_id": 3,
			"invoice_external_id": "B-1", "invoice_number": "B-1", "body": "of-B"}))
		record(a, "dispute.created", eventData(t, "dispute.created", map[string]any{"thread_id": 2, "reason": "pricing"}))
		record(a, "digest.delivered", eventData(t, "digest.delivered", map[string]any{"invoice_ids": []string{"INV-1", "INV-2"}}))

		var all eventList
		h.do("GET", "/v1/events", keyA, nil).json(t, &all)
		if len(all.Data) != 3 || all.HasMore {
			t.Fatalf("A's events: %+v", all)
		}
		for i, typ := range []string{"question.created", "dispute.created", "digest.delivered"} {
			if all.Data[i].Type != typ {
				t.Errorf("event %d is %s, want %s (oldest first)", i, all.Data[i].Type, typ)
			}
		}
		var data map[string]any
		if err := json.Unmarshal(all.Data[1].Data, &data); err != nil || data["reason"] != "pricing" {
			t.Errorf("data of the dispute: %s", all.Data[1].Data)
		}
		if *all.NextCursor != all.Data[2].ID {
			t.Errorf("next_cursor %q, want the last id %q", *all.NextCursor, all.Data[2].ID)
		}

		// Pages of 2, then caught up: the cursor stays where it is.
		var p1, p2, p3 eventList
		h.do("GET", "/v1/events?limit=2", keyA, nil).json(t, &p1)
		if len(p1.Data) != 2 || !p1.HasMore || *p1.NextCursor != p1.Data[1].ID {
			t.Fatalf("first page: %+v", p1)
		}
		h.do("GET", "/v1/events?limit=2&after="+*p1.NextCursor, keyA, nil).json(t, &p2)
		if len(p2.Data) != 1 || p2.HasMore || p2.Data[0].ID != all.Data[2].ID {
			t.Fatalf("second page: %+v", p2)
		}
		h.do("GET", "/v1/events?after="+*p2.NextCursor, keyA, nil).json(t, &p3)
		if len(p3.Data) != 0 || p3.HasMore || *p3.NextCursor != *p2.NextCursor {
			t.Fatalf("caught up: %+v", p3)
		}
		record(a, "pay.clicked", eventData(t, "pay.clicked", map[string]any{"invoice_external_id": "INV-2"}))
		h.do("GET", "/v1/events?after="+*p3.NextCursor, keyA, nil).json(t, &p3)
		if len(p3.Data) != 1 || p3.Data[0].Type != "pay.clicked" {
			t.Fatalf("after a new event: %+v", p3)
		}

		// B sees its own event only; a cursor of A's is not one of B's events.
		r := h.do("GET", "/v1/events", keyB, nil)
		var bs eventList
		r.json(t, &bs)
		if len(bs.Data) != 1 || !bytes.Contains(r.body, []byte("of-B")) || bytes.Contains(r.body, []byte("INV-")) {
			t.Errorf("B's events: %s", r.body)
		}
		p := h.do("GET", "/v1/events?after="+all.Data[0].ID, keyB, nil).problem(t, 422)
		if bytes.Contains([]byte(p.Detail), []byte("INV-")) {
			t.Errorf("A's cursor as B: %+v", p)
		}
		fieldMessage(t, p.Errors, "after")

		for _, q := range []string{"limit=0", "limit=501", "limit=x", "after=42", "after=evt_", "after=evt_0", "after=evt_-1", "after=evt_01"} {
			p := h.do("GET", "/v1/events?"+q, keyA, nil).problem(t, 422)
			field, _, _ := strings.Cut(q, "=")
			fieldMessage(t, p.Errors, field)
		}
		h.do("GET", "/v1/events", "", nil).problem(t, 401)
	})
}

func TestEventsLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		a, key := h.vendor("Northwind")
		for i := 0; i < 501; i++ {
			if err := h.vendors.RecordEvent(context.Background(), a, "pay.clicked", eventData(t, "pay.clicked", map[string]any{"amount_remaining": i})); err != nil {
				t.Fatal(err)
			}
		}
		var page eventList
		h.do("GET", "/v1/events?limit=500", key, nil).json(t, &page)
		if len(page.Data) != 500 || !page.HasMore {
			t.Fatalf("%d events, has_more %v; want 500 and more", len(page.Data), page.HasMore)
		}
		h.do("GET", "/v1/events?after="+*page.NextCursor, key, nil).json(t, &page)
		if len(page.Data) != 1 || !bytes.Contains(page.Data[0].Data, []byte(`"amount_remaining":500,`)) {
			t.Fatalf("the last event: %+v", page.Data)
		}
	})
}
