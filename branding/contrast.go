package branding

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The accent colour is used as text (the vendor's heading in the digest
// and the portal) and as a border, on the white card and on the light grey
// page behind it. WCAG 2.x AA asks 4.5:1 for normal text, so an accent is
// accepted only when it reaches MinContrast against every background it
// is drawn on; a border then passes too (non-text contrast asks 3:1).
const MinContrast = 4.5

// Backgrounds are the colours an accent is drawn on: the card (#ffffff),
// the portal's page (#f5f7fa) and the digest's page (#f4f5f7).
var Backgrounds = []string{"#ffffff", "#f5f7fa", "#f4f5f7"}

// ErrAccent is wrapped by every refusal of an accent colour.
var ErrAccent = errors.New("branding: accent colour")

// ParseHex reads "#rrggbb" (any case) into its three channels.
func ParseHex(s string) (r, g, b uint8, err error) {
	if len(s) != 7 || s[0] != '#' {
		return 0, 0, 0, fmt.Errorf("%w: must look like #1f4e79", ErrAccent)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%w: must look like #1f4e79", ErrAccent)
	}
	return uint8(v >> 16), uint8(v >> 8), uint8(v), nil
}

// luminance is the WCAG 2.x relative luminance of an sRGB colour.
func luminance(r, g, b uint8) float64 {
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.04045 { // WCAG 2.x says 0.03928; both give the same result on 8-bit values
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// ContrastRatio is the WCAG 2.x contrast ratio of two "#rrggbb" colours,
// from 1 (same) to 21 (black on white).
func ContrastRatio(a, b string) (float64, error) {
	ar, ag, ab, err := ParseHex(a)
	if err != nil {
		return 0, err
	}
	br, bg, bb, err := ParseHex(b)
	if err != nil {
		return 0, err
	}
	la, lb := luminance(ar, ag, ab), luminance(br, bg, bb)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05), nil
}

// NormalizeAccent checks an accent colour and returns it lower-cased. ""
// is no accent. A colour short of MinContrast on any of Backgrounds is
// refused with the ratio it reached, so the vendor sees how far off it is.
func NormalizeAccent(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if _, _, _, err := ParseHex(s); err != nil {
		return "", err
	}
	worst := math.Inf(1)
	for _, bg := range Backgrounds {
		r, _ := ContrastRatio(s, bg)
		worst = min(worst, r)
	}
	if worst < MinContrast {
		return "", fmt.Errorf("%w: %s has a contrast of %.2f:1 against the light background it is shown on; WCAG AA needs at least %.1f:1, so choose a darker colour",
			ErrAccent, s, math.Floor(worst*100)/100, MinContrast)
	}
	return s, nil
}
