package checkout

import "testing"

// TestToStripe: amounts reach Stripe in its units, by the rules of its
// currency page, and what it cannot charge exactly is refused.
func TestToStripe(t *testing.T) {
	for _, c := range []struct {
		currency string
		amount   int64 // ISO minor units
		want     int64 // Stripe's; -1: refused
		step     int64
	}{
		{"USD", 1234, 1234, 1},     // 12.34
		{"EUR", 5, 5, 1},           // 0.05
		{"JPY", 500, 500, 1},       // ¥500: zero-decimal on both sides
		{"ISK", 5000, 500000, 1},   // 5,000 kr: two decimals, always 00
		{"UGX", 20000, 2000000, 1}, // zero-digit in ISO 4217, hundredths on Stripe
		{"MGA", 1200, 12, 100},     // 12.00 Ar: whole ariary on Stripe
		{"MGA", 1234, -1, 100},     // 12.34 Ar cannot be charged
		{"KWD", 5120, 5120, 10},    // 5.120 KD
		{"KWD", 5125, -1, 10},      // the last of three decimals must be 0
		{"HUF", 150000, 150000, 1}, // two decimals for charges
	} {
		got, err := toStripe(c.amount, c.currency)
		if c.want < 0 {
			if err == nil {
				t.Errorf("%s %d: %d, want refused", c.currency, c.amount, got)
			}
		} else if err != nil || got != c.want {
			t.Errorf("%s %d: %d %v, want %d", c.currency, c.amount, got, err, c.want)
		}
		if s := chargeStep(c.currency); s != c.step {
			t.Errorf("%s step %d, want %d", c.currency, s, c.step)
		}
	}
}
