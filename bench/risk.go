package bench

import (
	"fmt"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/risk"
)

// riskYears of history are generated; the last riskHeldOutDays of them are
// held out: the model is trained as of their first day and scores the
// invoices issued after it.
const (
	riskYears       = 3
	riskHeldOutDays = 270
)

// riskReport is the quality of the late-payment model on held-out history.
type riskReport struct {
	Vendor, Customers          int
	Invoices, Train, Test      int
	TrainLate                  int
	TestLateShare              float64
	AUC, Brier                 float64
	AUCHistory                 float64
	BrierHistory, BrierRate    float64
	Calibration                []risk.Bin
	TrainSeconds, ScoreSeconds float64
	Model                      string
}

// measureRisk generates the history of the vendor with the most customers,
// trains on the first part and scores the held-out part against two
// baselines: each customer's late share so far, and the base rate.
func measureRisk(n *network, end civil.Date) (riskReport, error) {
	v := 0
	for i := range n.vendors {
		if len(n.customers[i]) > len(n.customers[v]) {
			v = i
		}
	}
	start := end.AddDays(-365 * riskYears)
	split := end.AddDays(-riskHeldOutDays)
	h := n.riskHistory(v, start, end)
	rep := riskReport{Vendor: v, Customers: len(n.customers[v]), Invoices: len(h.Invoices)}
	began := time.Now()
	m := risk.Train(h, split, time.Now())
	rep.TrainSeconds = time.Since(began).Seconds()
	rep.Model, rep.Train, rep.TrainLate = m.Kind, m.Invoices, m.Late
	if m.Kind == risk.KindNone {
		return rep, fmt.Errorf("bench: risk: no history generated for vendor %d", v)
	}
	// With too little history the model is the late-share fallback, and
	// the figures say so (risk_model).
	// Scoring reads the whole history, as a scorer in production reads
	// everything known up to now: each feature only looks before the day
	// it is computed for (risk.features), so the held-out outcomes stay out.
	began = time.Now()
	sc := risk.NewScorer(m, h)
	hist := risk.NewScorer(risk.Model{Kind: risk.KindLateShare, Base: m.Base}, h)
	var ps, hs, rs []float64
	var ys []bool
	for _, inv := range h.Invoices {
		// Held out: issued after the split, and due early enough that the
		// outcome is final by the end (an invoice still open but not yet
		// LateDays overdue would be left out only if unpaid, biasing the
		// test set towards the prompt).
		if inv.Issue.Before(split) || !inv.Due.AddDays(risk.LateDays).Before(end) {
			continue
		}
		late, ok := inv.Label(end)
		if !ok {
			continue
		}
		// Looked at a week before the due date (or when issued, if later):
		// when a first reminder goes out and an early mention would act.
		t := inv.Due.AddDays(-7)
		if t.Before(inv.Issue) {
			t = inv.Issue
		}
		if !inv.Paid.IsZero() && inv.Paid.Before(t) {
			continue // paid before anyone would have asked
		}
		ps = append(ps, sc.Score(inv, t).P())
		hs = append(hs, hist.Score(inv, t).P())
		rs = append(rs, m.Base)
		ys = append(ys, late)
	}
	rep.ScoreSeconds = time.Since(began).Seconds()
	rep.Test = len(ys)
	for _, y := range ys {
		if y {
			rep.TestLateShare++
		}
	}
	if rep.Test > 0 {
		rep.TestLateShare /= float64(rep.Test)
	}
	rep.AUC, rep.Brier = risk.AUC(ps, ys), risk.Brier(ps, ys)
	rep.AUCHistory = risk.AUC(hs, ys)
	rep.BrierHistory, rep.BrierRate = risk.Brier(hs, ys), risk.Brier(rs, ys)
	rep.Calibration = risk.Calibration(ps, ys)
	return rep, nil
}
