package handlers

import (
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func TestReminderPolicy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		_, other := h.vendor("Contoso")
		var got policyJSON
		h.do("GET", "/v1/reminder-policy", key, nil).json(t, &got)
		if len(got.Offsets) != 4 || got.Offsets[0] != -7 || got.Offsets[3] != 7 || got.RepeatDays != 7 {
			t.Fatalf("default policy = %+v", got)
		}
		if r := h.do("PUT", "/v1/reminder-policy", key, map[string]any{"offsets": []int{-3, 0, 10}, "repeat_days": 14}); r.status != 200 {
			t.Fatalf("put: %d %s", r.status, r.body)
		}
		h.do("GET", "/v1/reminder-policy", key, nil).json(t, &got)
		if len(got.Offsets) != 3 || got.Offsets[2] != 10 || got.RepeatDays != 14 {
			t.Fatalf("stored policy = %+v", got)
		}
		h.do("GET", "/v1/reminder-policy", other, nil).json(t, &got)
		if got.RepeatDays != 7 {
			t.Fatal("one vendor's policy changed another's")
		}
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"offsets": []int{-61}, "repeat_days": 7}, "offsets[0]"},
			{map[string]any{"offsets": []int{0, 366}, "repeat_days": 7}, "offsets[1]"},
			{map[string]any{"offsets": []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "repeat_days": 7}, "offsets"},
			{map[string]any{"offsets": []int{}, "repeat_days": 7}, "offsets"},
			{map[string]any{"offsets": []int{0, 0}, "repeat_days": 7}, "offsets[1]"},
			{map[string]any{"offsets": []int{0}, "repeat_days": 0}, "repeat_days"},
			{map[string]any{"offsets": []int{0}, "repeat_days": 91}, "repeat_days"},
			{map[string]any{"offsets": []int{0}, "repeat_days": 7, "every": 1}, "every"},
			{map[string]any{"offsets": "0,3", "repeat_days": 7}, "offsets"},
		} {
			fieldMessage(t, h.do("PUT", "/v1/reminder-policy", key, bad.body).problem(t, 422).Errors, bad.field)
		}
		h.do("GET", "/v1/reminder-policy", key, nil).json(t, &got)
		if got.RepeatDays != 14 {
			t.Fatal("a refused policy was stored")
		}
	})
}
