package bench

import "testing"

// TestRiskQuality trains on the first part of a small network's history
// and checks the held-out figures beat both baselines.
func TestRiskQuality(t *testing.T) {
	n := newNetwork(netConfig{Seed: 1, Scale: 0.01, Ref: refDay, DueMin: -60, DueMax: 45, FirstOverdue: true, IssuedByRef: true})
	rep, err := measureRisk(n, refDay)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.AUC < 0.8 || rep.Brier >= rep.BrierHistory || rep.Brier >= rep.BrierRate {
		t.Errorf("AUC %.3f Brier %.4f, baselines %.4f (history) %.4f (rate)", rep.AUC, rep.Brier, rep.BrierHistory, rep.BrierRate)
	}
}
