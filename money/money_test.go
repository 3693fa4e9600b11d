package money

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	cases := []struct {
		amount int64
		code   string
		want   string
	}{
		{1234000, "USD", "USD 12,340.00"},
		{5, "USD", "USD 0.05"},
		{0, "EUR", "EUR 0.00"},
		{1234567, "JPY", "JPY 1,234,567"},
		{1500, "KWD", "KWD 1.500"},
		{-250, "USD", "USD -2.50"},
		{100000000, "GBP", "GBP 1,000,000.00"},
	}
	for _, c := range cases {
		if got := Format(c.amount, c.code); got != c.want {
			t.Errorf("Format(%d, %s) = %q, want %q", c.amount, c.code, got, c.want)
		}
	}
}

func TestValid(t *testing.T) {
	for _, ok := range []string{"USD", "EUR", "JPY", "KWD"} {
		if !Valid(ok) {
			t.Errorf("%s rejected", ok)
		}
	}
	for _, bad := range []string{"usd", "US", "USDX", "XYZ", "", "ABC"} {
		if Valid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	if Digits("JPY") != 0 || Digits("USD") != 2 || Digits("KWD") != 3 {
		t.Error("ISO exponents wrong")
	}
}

func TestTotals(t *testing.T) {
	tt := Totals{}
	tt.Add("USD", 100)
	tt.Add("EUR", 250)
	tt.Add("USD", 150)
	if got := tt.String(); got != "EUR 2.50 · USD 2.50" {
		t.Errorf("got %q", got)
	}
}

func TestTotalsNeverWrap(t *testing.T) {
	// The case: the largest int64 plus another invoice of the same payer
	// read "USD -92,233,720,368,547,758.08".
	tt := Totals{}
	tt.Add("USD", math.MaxInt64)
	tt.Add("USD", 1)
	tt.Add("EUR", 500)
	if got := tt.String(); got != "EUR 5.00 · over USD 92,233,720,368,547,758.07" {
		t.Errorf("got %q", got)
	}
	tt.Add("USD", -math.MaxInt64) // a saturated total stays saturated
	if tt["USD"] != math.MaxInt64 {
		t.Errorf("saturated total moved to %d", tt["USD"])
	}
	low := Totals{}
	low.Add("USD", math.MinInt64+1)
	low.Add("USD", -2)
	if got := low.String(); got != "under USD -92,233,720,368,547,758.08" {
		t.Errorf("got %q", got)
	}
	// 9.3 million invoices at the maximum amount is the first sum that does not fit.
	big := Totals{"JPY": 9_223_371 * MaxAmount}
	big.Add("JPY", MaxAmount)
	if big["JPY"] != 9_223_372*MaxAmount {
		t.Fatalf("sum below the bound changed: %d", big["JPY"])
	}
	big.Add("JPY", MaxAmount)
	if big["JPY"] != math.MaxInt64 {
		t.Errorf("sum past the bound = %d", big["JPY"])
	}
}

func TestSum(t *testing.T) {
	cases := []struct{ a, b, want int64 }{
		{1, 2, 3}, {-5, 3, -2}, {math.MaxInt64, 0, math.MaxInt64}, {math.MaxInt64 - 1, 1, math.MaxInt64},
		{math.MaxInt64, 1, math.MaxInt64}, {math.MaxInt64, math.MaxInt64, math.MaxInt64},
		{math.MinInt64, -1, math.MinInt64}, {math.MinInt64, math.MaxInt64, -1}, {MaxAmount, MaxAmount, 2 * MaxAmount},
	}
	for _, c := range cases {
		if got := Sum(c.a, c.b); got != c.want {
			t.Errorf("Sum(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		code string
		want int64
	}{
		{"1,250.50", "USD", 125050}, {"1250.5", "USD", 125050}, {"1250", "USD", 125000}, {" 0.05 ", "EUR", 5},
		{".5", "USD", 50}, {"1500", "JPY", 1500}, {"1.500", "KWD", 1500}, {"10,000,000,000.00", "USD", MaxAmount},
	}
	for _, c := range cases {
		if got, err := Parse(c.in, c.code); err != nil || got != c.want {
			t.Errorf("Parse(%q, %s) = %d, %v; want %d", c.in, c.code, got, err, c.want)
		}
	}
	for _, bad := range []struct{ in, code string }{
		{"-5", "USD"}, {"1.234", "USD"}, {"1.5", "JPY"}, {"abc", "USD"}, {"", "USD"}, {".", "USD"}, {"1e5", "USD"},
		{"99999999999999999999", "USD"}, {"$5", "USD"}, {"10,000,000,000.01", "USD"}, {"1000000000001", "JPY"},
	} {
		if got, err := Parse(bad.in, bad.code); err == nil {
			t.Errorf("Parse(%q, %s) accepted as %d", bad.in, bad.code, got)
		}
	}
}
