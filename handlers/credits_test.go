package handlers

import (
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func credit(externalID string, edits ...func(map[string]any)) map[string]any {
	m := map[string]any{
		"external_id": externalID,
		"customer":    map[string]any{"external_id": "C-77", "name": "Acme Corp", "email": "ap@acme.example"},
		"currency":    "USD", "amount": 5000, "issue_date": "2026-11-10", "memo": "Damaged pallet",
	}
	for _, e := range edits {
		e(m)
	}
	return m
}

func TestCredits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		if r := h.do("PUT", "/v1/credits/CN-1", key, credit("CN-1")); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var got creditResponse
		h.do("GET", "/v1/credits/CN-1", key, nil).json(t, &got)
		if got.Amount != 5000 || got.AmountRemaining != 5000 || got.Customer.ExternalID != "C-77" {
			t.Fatalf("stored credit: %+v", got)
		}
		if r := h.do("PUT", "/v1/credits/CN-1", key, credit("CN-1", set("amount_remaining", 1000))); r.status != 200 {
			t.Fatalf("update: %d", r.status)
		}
		h.do("PUT", "/v1/credits/CN-2", key, credit("CN-2"))
		var list creditList
		h.do("GET", "/v1/credits?limit=1", key, nil).json(t, &list)
		if len(list.Data) != 1 || list.NextCursor == nil || list.Data[0].AmountRemaining != 1000 {
			t.Fatalf("list page 1: %+v", list)
		}
		h.do("GET", "/v1/credits?limit=1&cursor="+*list.NextCursor, key, nil).json(t, &list)
		if len(list.Data) != 1 || list.Data[0].ExternalID != "CN-2" || list.NextCursor != nil {
			t.Fatalf("list page 2: %+v", list)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{credit("CN-3", set("amount", -1)), "amount"},
			{credit("CN-3", set("amount_remaining", 5001)), "amount_remaining"},
			{credit("CN-3", set("currency", "EURO")), "currency"},
			{credit("CN-3", drop("amount")), "amount"},
			{credit("CN-3", set("amount", 1.5)), "amount"},
			{credit("CN-3", drop("customer")), "customer"},
			{credit("CN-3", set("extra", 1)), "extra"},
		} {
			fieldMessage(t, h.do("PUT", "/v1/credits/CN-3", key, c.body).problem(t, 422).Errors, c.field)
		}
		h.do("GET", "/v1/credits/CN-3", key, nil).problem(t, 404)
	})
}
