package money

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/bojanz/currency"
)

// MaxAmount is the largest amount the hub accepts, in minor units of any
// currency (10^12: USD 10,000,000,000.00). A vendor's amount above it is
// refused, and so no total of a payer's invoices comes near the int64 range.
const MaxAmount int64 = 1_000_000_000_000

// Valid reports whether code is a current ISO 4217 code in upper case.
func Valid(code string) bool {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return false
	}
	return currency.IsValid(code)
}

// Digits returns the number of minor-unit digits of the currency (JPY 0, USD 2, KWD 3).
func Digits(code string) int {
	d, ok := currency.GetDigits(code)
	if !ok {
		return 2
	}
	return int(d)
}

// Format writes an amount of minor units as "USD 12,340.00".
func Format(amount int64, code string) string {
	return code + " " + FormatNumber(amount, code)
}

// FormatNumber writes an amount of minor units as "12,340.00", with no code.
func FormatNumber(amount int64, code string) string {
	sign := ""
	u := uint64(amount)
	if amount < 0 {
		sign = "-"
		u = uint64(-amount)
	}
	digits := Digits(code)
	s := strconv.FormatUint(u, 10)
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	major, minor := s[:len(s)-digits], s[len(s)-digits:]
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range major {
		if i > 0 && (len(major)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if digits > 0 {
		b.WriteByte('.')
		b.WriteString(minor)
	}
	return b.String()
}

// Totals sums amounts per currency. The zero value is ready to use. A total
// never wraps around: one that would leave the int64 range stays at the
// bound (math.MaxInt64 or math.MinInt64) and is listed as "over …" (or
// "under …"), however much is added after.
type Totals map[string]int64

// Add adds amount to the currency's total without overflowing.
func (t Totals) Add(code string, amount int64) {
	cur := t[code]
	if cur == math.MaxInt64 || cur == math.MinInt64 {
		return // already out of range: a later amount must not bring it back
	}
	t[code] = Sum(cur, amount)
}

// Sum returns a+b, or the bound it would cross (math.MaxInt64 or
// math.MinInt64) when the true sum is out of the int64 range.
func Sum(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// List formats the totals one per currency, in currency-code order. A total
// that reached a bound reads "over USD 92,233,720,368,547,758.07".
func (t Totals) List() []string {
	codes := make([]string, 0, len(t))
	for c := range t {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		switch t[c] {
		case math.MaxInt64:
			parts[i] = "over " + Format(t[c], c)
		case math.MinInt64:
			parts[i] = "under " + Format(t[c], c)
		default:
			parts[i] = Format(t[c], c)
		}
	}
	return parts
}

// String formats the totals in currency-code order, "EUR 5.00 · USD 12.00".
func (t Totals) String() string { return strings.Join(t.List(), " · ") }

// Parse reads an amount typed by a person ("1,250.50", "1250.5", "1250")
// into minor units of the currency. It refuses negatives, more decimals
// than the currency has, amounts over MaxAmount, and anything that is not a plain number.
func Parse(s, code string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	digits := Digits(code)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && !hasDot || whole == "" && frac == "" {
		return 0, fmt.Errorf("money: %q is not an amount", s)
	}
	if len(frac) > digits || (hasDot && digits == 0) {
		return 0, fmt.Errorf("money: %s has %d decimals at most", code, digits)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("money: %q is not an amount", s)
		}
	}
	frac += strings.Repeat("0", digits-len(frac))
	if len(whole+frac) > 17 {
		return 0, fmt.Errorf("money: %q is too large", s)
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("money: %q is not an amount", s)
	}
	if n > MaxAmount {
		return 0, fmt.Errorf("money: %q is more than %s", s, FormatNumber(MaxAmount, code))
	}
	return n, nil
}
