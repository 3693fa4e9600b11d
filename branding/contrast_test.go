package branding

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestContrastRatio checks the WCAG formula against known pairs.
func TestContrastRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48}, // the classic "just fails AA" grey
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes
		{"#1f4e79", "#ffffff", 8.66},
		{"#FF0000", "#ffffff", 4.00},
	} {
		got, err := ContrastRatio(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 0.01 {
			t.Errorf("ContrastRatio(%s, %s) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
		if back, _ := ContrastRatio(c.b, c.a); back != got {
			t.Errorf("ContrastRatio is not symmetric for %s, %s", c.a, c.b)
		}
	}
}

// TestNormalizeAccent: dark colours pass, light ones are refused with the
// ratio they reached, malformed ones with the expected shape.
func TestNormalizeAccent(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"", "", ""},
		{"  #1F4E79 ", "#1f4e79", ""},
		{"#0f5132", "#0f5132", ""},
		{"#767676", "", "4.16"}, // passes on white, fails on the grey page
		{"#ffcc00", "", "1.38"},
		{"#ff0000", "", "3.66"},
		{"red", "", "#1f4e79"},
		{"#12345", "", "#1f4e79"},
		{"#12345g", "", "#1f4e79"},
		{"#+12345", "", "#1f4e79"},
	} {
		got, err := NormalizeAccent(c.in)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("NormalizeAccent(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			continue
		}
		if !errors.Is(err, ErrAccent) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("NormalizeAccent(%q) error = %v; want one saying %q", c.in, err, c.err)
		}
	}
}
