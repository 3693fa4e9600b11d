package risk

import (
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
)

var day0 = civil.Date{Year: 2024, Month: time.January, Day: 1}

// fixture is two years of monthly invoices, 30-day terms, for customers
// who pay a fixed number of days after the due date each: customer i pays
// delays[i] days late, every time.
func fixture(delays ...int) History {
	var h History
	id := int64(0)
	for c, d := range delays {
		for m := range 24 {
			for k := range 5 { // five invoices a month, so that the vendor has enough history
				id++
				issue := day0.AddDays(m*30 + k*6)
				inv := Invoice{ID: id, CustomerID: int64(c + 1), Currency: "USD", Amount: 10000, Issue: issue, Due: issue.AddDays(30)}
				inv.Paid = inv.Due.AddDays(d)
				h.Invoices = append(h.Invoices, inv)
			}
		}
	}
	return h
}

func TestKnownAnswer(t *testing.T) {
	h := fixture(20, -5, 2, 12)
	asOf := day0.AddDays(24 * 30)
	m := Train(h, asOf, time.Now())
	if m.Kind != KindLogistic {
		t.Fatalf("kind %s (%d invoices, %d late)", m.Kind, m.Invoices, m.Late)
	}
	again := Train(h, asOf, m.TrainedAt)
	for j := range m.Weights {
		if m.Weights[j] != again.Weights[j] {
			t.Fatalf("training is not deterministic: weight %d %v then %v", j, m.Weights[j], again.Weights[j])
		}
	}
	s := NewScorer(m, h)
	open := func(c int64) Invoice {
		return Invoice{ID: 9999 + c, CustomerID: c, Currency: "USD", Amount: 10000, Issue: asOf, Due: asOf.AddDays(30)}
	}
	late, early := s.Score(open(1), asOf), s.Score(open(2), asOf)
	t.Logf("late %+v %v; early %+v %v", late, late.P(), early, early.P())
	if late.P() < 0.8 || late.Level != LevelHigh {
		t.Errorf("always 20 days late: %v %s", late.P(), late.Level)
	}
	if early.P() > 0.2 || early.Level != LevelLow {
		t.Errorf("always early: %v %s", early.P(), early.Level)
	}
	if len(late.Reasons) == 0 || len(late.Reasons) > 3 || late.Model != KindLogistic {
		t.Errorf("reasons %q model %s", late.Reasons, late.Model)
	}
	found := false
	for _, r := range late.Reasons {
		if r == "Usually pays 20 days after the due date (last 10 payments)" || r == "Paid 120 of 120 earlier invoices more than 7 days late" {
			found = true
		}
	}
	if !found {
		t.Errorf("no reason names the habit: %q", late.Reasons)
	}
	// Already more than 7 days overdue: late whatever the model says.
	od := open(2)
	od.Due = asOf.AddDays(-8)
	if r := s.Score(od, asOf); r.P() != 1 || r.Model != KindOverdue {
		t.Errorf("overdue: %+v", r)
	}
}

func TestFallbackWithLittleHistory(t *testing.T) {
	h := fixture(20, -5)
	h.Invoices = h.Invoices[:40] // 40 of customer 1's: below MinExamples
	h.Invoices = append(h.Invoices, fixture(0, -5).Invoices[120:130]...)
	asOf := day0.AddDays(24 * 30)
	m := Train(h, asOf, time.Now())
	if m.Kind != KindLateShare {
		t.Fatalf("kind %s", m.Kind)
	}
	s := NewScorer(m, h)
	r := s.Score(Invoice{ID: 1 << 20, CustomerID: 1, Issue: asOf, Due: asOf.AddDays(30)}, asOf)
	if r.P() != 1 || r.Model != KindLateShare || len(r.Reasons) != 2 {
		t.Errorf("customer always late: %+v", r)
	}
	r = s.Score(Invoice{ID: 1 << 21, CustomerID: 2, Issue: asOf, Due: asOf.AddDays(30)}, asOf)
	if r.P() != 0 || r.Level != LevelLow {
		t.Errorf("customer never late: %+v", r)
	}
	// A customer with no payment yet gets the vendor's late share.
	r = s.Score(Invoice{ID: 1 << 22, CustomerID: 77, Issue: asOf, Due: asOf.AddDays(30)}, asOf)
	if r.P() != 0.8 || r.Reasons[0] != noHistoryWords {
		t.Errorf("new customer: %+v (base %v)", r, m.Base)
	}
	none := Train(History{}, asOf, time.Now())
	if r := NewScorer(none, History{}).Score(Invoice{CustomerID: 1, Issue: asOf, Due: asOf.AddDays(30)}, asOf); r.Probability != nil || r.Model != KindNone || r.Level != LevelUnknown {
		t.Errorf("no history: %+v", r)
	}
}

func TestMetrics(t *testing.T) {
	ys := []bool{false, false, true, true}
	if a := AUC([]float64{0.1, 0.2, 0.8, 0.9}, ys); a != 1 {
		t.Errorf("perfect AUC %v", a)
	}
	if a := AUC([]float64{0.5, 0.5, 0.5, 0.5}, ys); a != 0.5 {
		t.Errorf("tied AUC %v", a)
	}
	if a := AUC([]float64{0.9, 0.2, 0.8, 0.1}, ys); a != 0.25 {
		t.Errorf("AUC %v", a)
	}
	if b := Brier([]float64{0, 1, 1, 1}, ys); b != 0.25 {
		t.Errorf("Brier %v", b)
	}
	bins := Calibration([]float64{0.05, 0.05, 0.95, 1}, ys)
	if bins[0].N != 2 || bins[0].Observed != 0 || bins[9].N != 2 || bins[9].Observed != 1 {
		t.Errorf("bins %+v", bins)
	}
}

// BenchmarkTrain100k trains a vendor with 100,000 invoices (about 400,000
// training rows) from 1,000 customers with mixed habits.
func BenchmarkTrain100k(b *testing.B) {
	delays := make([]int, 1000)
	for i := range delays {
		delays[i] = []int{-3, 2, 5, 9, 14, 25, -1, 30}[i%8] + i%5
	}
	h := fixture(delays...)
	h.Invoices = h.Invoices[:100_000]
	asOf := day0.AddDays(24 * 30)
	b.ResetTimer()
	for b.Loop() {
		m := Train(h, asOf, time.Now())
		if m.Kind != KindLogistic {
			b.Fatal(m.Kind)
		}
	}
}
