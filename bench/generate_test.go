package bench

import (
	"testing"
)

func TestNetworkIsDeterministicAndShaped(t *testing.T) {
	cfg := netConfig{Seed: 9, Scale: 0.003, Ref: refDay, DueMin: -60, DueMax: 45, FirstOverdue: true, IssuedByRef: true}
	a, b := newNetwork(cfg), newNetwork(cfg)
	if got, want := a.totalInvoices(), 3000; got != want {
		t.Errorf("%d invoices, want %d", got, want)
	}
	perPayer := make([]int, a.payers)
	overdue := make([]bool, a.payers)
	vendorsOf := map[int32]map[int]bool{}
	for v := range a.vendors {
		for j := range a.invoices[v] {
			x, y := a.invoice(v, j), b.invoice(v, j)
			if x != y {
				t.Fatalf("invoice %d of vendor %d differs between two networks of one seed:\n%+v\n%+v", j, v, x, y)
			}
			if x.Issue.After(refDay) || x.Due.Before(x.Issue) || x.AmountRemaining > x.AmountDue || x.AmountRemaining <= 0 {
				t.Errorf("invoice %+v is not an open invoice as of %s", x, refDay)
			}
			perPayer[x.Payer]++
			overdue[x.Payer] = overdue[x.Payer] || x.Due.Before(refDay)
			if vendorsOf[x.Payer] == nil {
				vendorsOf[x.Payer] = map[int]bool{}
			}
			vendorsOf[x.Payer][v] = true
		}
	}
	for p := range a.payers {
		if perPayer[p] == 0 || !overdue[p] {
			t.Errorf("payer %d has %d invoices, overdue %v: every payer must be due a digest", p, perPayer[p], overdue[p])
		}
	}
	if perPayer[0] != heavyVendors*heavyInvoices || len(vendorsOf[0]) != heavyVendors {
		t.Errorf("the heavy payer has %d invoices from %d vendors", perPayer[0], len(vendorsOf[0]))
	}
	if c := a.customer(0); c.Email == "" {
		t.Errorf("the heavy payer has no email: %+v", c)
	}
	other := newNetwork(netConfig{Seed: 10, Scale: 0.003, Ref: refDay, DueMin: -60, DueMax: 45, IssuedByRef: true})
	if other.invoice(3, 5) == a.invoice(3, 5) {
		t.Error("another seed made the same invoice")
	}
}
