package analytics_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func f(x float64) *float64 { return &x }

func period(t *testing.T, from, to, currency string) analytics.Period {
	t.Helper()
	p, err := analytics.ParsePeriod(from, to, currency, civil.Date{Year: 2026, Month: 11, Day: 30})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func show(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestGoldenFigures computes Northwind's report for 2026-09-01 to
// 2026-11-30 (91 days) at 2026-11-30 12:00 UTC over the history of
// seedNorthwind, and checks every figure against the values worked out
// by hand below, on both databases.
//
// Invoices (USD unless said; amounts in minor units):
//
//	I1  billed 07-01 due 07-31 1000, paid by push 09-10 (41 days late)
//	I2  billed 08-01 due 08-31 2000, 500 left since 08-20, open; dispute d2 (quantity 400) 11-10, open
//	I3  billed 2025-06-01, backfilled paid 2025-07-15: outside everything
//	I4  billed 08-10 due 09-09 4000, backfilled paid 09-05 (on time)
//	I5  billed 09-01 due 10-01 1500, payment confirmed 10-05 09:00 (4 days late)
//	I6  billed 09-15 due 10-15 2500, open; dispute d1 (pricing 500) 10-20 10:00, replied +5 h, resolved +48 h
//	I7  billed 10-01 due 10-31 3000, open; question q1 11-02 09:00 (Monday), replied 11-03 15:00 (+30 h)
//	I8  billed 11-01 due 12-01 4000, open (current)
//	I9  billed 10-10 due 11-09 1200, paid_at 11-20 (11 days late); dispute d3 (pricing 200) Sunday
//	    10-25 09:00, resolved +24 h with no reply
//	I10 billed 09-20, voided: outside everything
//	E1  EUR billed 10-01 due 10-31 5000, open
//
// Money, USD: sales = I5+I6+I7+I8+I9 = 12200. Receivables at the start
// (09-01 00:00): I1 1000 + I2 500 + I4 4000 (paid after the start; the hub
// first saw it later, so its amount_due) = 5500. At the end (now): I2 500
// + I6 2500 + I7 3000 + I8 4000 = 10000, of which current (due ≥ 11-30):
// I8 4000.
//
//	DSO = 10000 / 12200 × 91 = 74.59 → 74.6
//	ADD = (10000 − 4000) / 12200 × 91 = 44.75 → 44.8
//	CEI = (5500 + 12200 − 10000) / (5500 + 12200 − 4000) × 100 = 7700 / 13700 = 56.20 → 56.2
//
// EUR: sales 5000, nothing at the start, 5000 at the end, none current:
// DSO = ADD = 5000 / 5000 × 91 = 91.0; CEI = (0 + 5000 − 5000) / 5000 = 0.
//
// Aging at 11-30: I8 current 4000; I7 (30 days) 1-30 3000; I6 (46 days)
// 31-60 2500; I2 (91 days) 90+ 500; E1 (30 days) 1-30 EUR 5000.
//
// Paid in the period: September I4 (on time) and I1 (late, 1000); October
// I5 (late, 1500); November I9 (late, 1200). Days from due date to
// payment of the late ones: 41, 4, 11 → 56 / 3 = 18.7.
//
// Disputes opened: October d1 500 + d3 200; November d2 400. Reasons:
// pricing 2, quantity 1. Resolved in the period: d1 2 days, d3 1 day →
// average 1.5, median 1.5.
//
// Delinquent now: c1 USD I2 + I6 + I7 = 6000, oldest I2 91 days, d2
// open; c3 EUR 5000, 30 days.
//
// Response (threads opened in the period: d1, d3, q1, d2). First replies
// 5, 24, 30 h: median 24, p90 = 24 + 0.8 × 6 = 28.8. Resolutions 48, 24 h:
// median 36, p90 = 24 + 0.9 × 24 = 45.6. alice answered d1 and d3 first:
// 5 and 24 h, median 14.5, p90 = 5 + 0.9 × 19 = 22.1, resolved d3, holds
// d2; bob answered q1 (30 h), resolved d1, holds q1. Past the one business
// day target: q1 (due 11-03 09:00, answered 15:00) and d2 (never) = 2; d3
// is due Monday 09:00 and was answered then.
//
// Accuracy: billed in the period I5 I6 I7 I8 I9 E1 = 6, of which I6, I7 and
// I9 had a thread: 50.0 %; pricing 2, question 1.
//
// Late reasons given in the period: I1 cash_flow, I5 po_mismatch (the
// vendor's tag over the payer's awaiting_approval), I9 cash_flow.
//
// Billing cohorts (Northwind is in UTC). September: I5 (paid 10-05, 34 days
// after billing) and I6 (open) = 2; within 30 days 0, 60 and 90 days 1
// (I5). 09-30 + 30 = 10-30 and + 60 = 11-29 are before 11-30: 0 % and
// 50 %; + 90 is not: unknown, so no at-risk rate yet. October: I7, I9 (paid
// 11-20, 41 days), E1 = 3; within 60 and 90: 1; 10-31 + 30 = 11-30 is not
// before 11-30: all unknown. November: I8 = 1, none paid, unknown.
// No digest was sent and no Pay clicked: the reminder effect is all zero.
func TestGoldenFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		v := seedNorthwind(w)
		got, err := analytics.NewStore(db.Gorm, func() time.Time { return w.now }).
			Compute(context.Background(), v, period(t, "2026-09-01", "2026-11-30", ""))
		if err != nil {
			t.Fatal(err)
		}
		want := golden(w)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("report\n%s\nwant\n%s", show(got), show(want))
		}
	})
}

func golden(w *world) analytics.Report {
	return analytics.Report{
		Period: analytics.Period{From: civil.Date{Year: 2026, Month: 9, Day: 1}, To: civil.Date{Year: 2026, Month: 11, Day: 30}},
		AsOf:   w.now,
		DSO:    []analytics.CurrencyFigure{{Currency: "EUR", Value: f(91)}, {Currency: "USD", Value: f(74.6)}},
		ADD:    []analytics.CurrencyFigure{{Currency: "EUR", Value: f(91)}, {Currency: "USD", Value: f(44.8)}},
		CEI:    []analytics.CurrencyFigure{{Currency: "EUR", Value: f(0)}, {Currency: "USD", Value: f(56.2)}},
		Aging: []analytics.AgingBucket{
			{Bucket: "1-30", Currency: "EUR", Amount: 5000, Count: 1},
			{Bucket: "current", Currency: "USD", Amount: 4000, Count: 1},
			{Bucket: "1-30", Currency: "USD", Amount: 3000, Count: 1},
			{Bucket: "31-60", Currency: "USD", Amount: 2500, Count: 1},
			{Bucket: "90+", Currency: "USD", Amount: 500, Count: 1},
		},
		LatePaymentsByMonth: []analytics.LateMonth{
			{Month: "2026-09", Currency: "USD", Paid: 2, PaidLate: 1, AmountPaidLate: 1000},
			{Month: "2026-10", Currency: "USD", Paid: 1, PaidLate: 1, AmountPaidLate: 1500},
			{Month: "2026-11", Currency: "USD", Paid: 1, PaidLate: 1, AmountPaidLate: 1200},
		},
		DisputesByMonth: []analytics.DisputeMonth{
			{Month: "2026-10", Currency: "USD", Count: 2, DisputedAmount: 700},
			{Month: "2026-11", Currency: "USD", Count: 1, DisputedAmount: 400},
		},
		TopDisputeReasons:      []analytics.ReasonCount{{Reason: "pricing", Count: 2}, {Reason: "quantity", Count: 1}},
		TopLateReasons:         []analytics.ReasonCount{{Reason: "cash_flow", Count: 2}, {Reason: "po_mismatch", Count: 1}},
		DisputeResolution:      analytics.Days{Count: 2, Avg: f(1.5), Median: f(1.5)},
		AvgDaysToResolveDelinq: f(18.7),
		TopDelinquentCustomers: []analytics.DelinquentCustomer{
			{CustomerExternalID: "c1", Name: "Customer c1", Currency: "USD", OverdueAmount: 6000, OldestDaysOverdue: 91, OpenDisputes: 1},
			{CustomerExternalID: "c3", Name: "Customer c3", Currency: "EUR", OverdueAmount: 5000, OldestDaysOverdue: 30},
		},
		ResponseTime: analytics.ResponseTime{
			FirstReply: analytics.Durations{Count: 3, MedianHours: f(24), P90Hours: f(28.8)},
			Resolution: analytics.Durations{Count: 2, MedianHours: f(36), P90Hours: f(45.6)},
			PastTarget: 2,
			Members: []analytics.MemberResponse{
				{MemberID: w.memberID("alice"), Name: "alice", FirstReplies: analytics.Durations{Count: 2, MedianHours: f(14.5), P90Hours: f(22.1)}, Resolutions: 1, OpenAssigned: 1},
				{MemberID: w.memberID("bob"), Name: "bob", FirstReplies: analytics.Durations{Count: 1, MedianHours: f(30), P90Hours: f(30)}, Resolutions: 1, OpenAssigned: 1},
			},
		},
		InvoiceAccuracy: analytics.Accuracy{Invoices: 6, WithThread: 3, Share: f(50),
			ByReason: []analytics.ReasonCount{{Reason: "pricing", Count: 2}, {Reason: "question", Count: 1}}},
		Timezone: "UTC",
		Cohorts: []analytics.Cohort{
			{Month: "2026-09", Invoices: 2, Paid: [3]int64{0, 1, 1}, Share: [3]*float64{f(0), f(50), nil}},
			{Month: "2026-10", Invoices: 3, Paid: [3]int64{0, 1, 1}},
			{Month: "2026-11", Invoices: 1},
		},
	}
}
