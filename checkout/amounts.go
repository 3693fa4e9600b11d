package checkout

import (
	"fmt"

	"github.com/duehub/duehub/money"
)

// Stripe takes amounts in its own minor units, which are ISO 4217's
// (money.Digits) for most currencies but not all
// (https://docs.stripe.com/currencies):
//   - its zero-decimal currencies take whole units, MGA among them, which
//     ISO 4217 gives two digits: 12.00 MGA is 12 to Stripe, and 12.34
//     cannot be charged;
//   - ISK and UGX, zero-digit in ISO 4217, take two decimals that are
//     always 00: 5,000 ISK is 500000;
//   - the three-decimal currencies take three decimals whose last is 0:
//     5.120 KWD can be charged, 5.125 cannot.
//
// The hub stores and shows ISO minor units; only the amounts sent to
// Stripe are converted (toStripe), and the quote refuses an amount Stripe
// cannot charge exactly, naming the step it takes (chargeStep).

// stripeZeroDecimal are Stripe's zero-decimal currencies (ISK and UGX
// apart).
var stripeZeroDecimal = map[string]bool{"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true,
	"KRW": true, "MGA": true, "PYG": true, "RWF": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true}

// stripeHundredths are the currencies Stripe takes in two decimals that
// must be 00.
var stripeHundredths = map[string]bool{"ISK": true, "UGX": true}

// stripeThreeDecimal are the currencies Stripe takes in three decimals
// whose last must be 0.
var stripeThreeDecimal = map[string]bool{"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true}

// stripeDigits is how many decimals Stripe's amounts in currency have.
func stripeDigits(currency string) int {
	switch {
	case stripeZeroDecimal[currency]:
		return 0
	case stripeThreeDecimal[currency]:
		return 3
	default: // ISK and UGX included
		return 2
	}
}

// chargeStep is the smallest amount, in ISO minor units, that Stripe can
// charge or transfer in currency: every amount sent must be a multiple.
func chargeStep(currency string) int64 {
	stripeStep := int64(1) // in Stripe's units
	switch {
	case stripeHundredths[currency]:
		stripeStep = 100
	case stripeThreeDecimal[currency]:
		stripeStep = 10
	}
	iso, st := money.Digits(currency), stripeDigits(currency)
	if iso >= st {
		return stripeStep * pow10(iso-st)
	}
	// An ISO unit is pow10(st-iso) of Stripe's.
	scale := pow10(st - iso)
	return stripeStep / gcd(stripeStep, scale)
}

// toStripe converts an amount in ISO minor units to Stripe's; it fails for
// an amount Stripe cannot charge exactly (not a multiple of chargeStep),
// which the quote refuses before any call.
func toStripe(amount int64, currency string) (int64, error) {
	if step := chargeStep(currency); amount%step != 0 {
		return 0, fmt.Errorf("checkout: %s cannot be charged on Stripe: it takes multiples of %s",
			money.Format(amount, currency), money.Format(step, currency))
	}
	iso, st := money.Digits(currency), stripeDigits(currency)
	if iso >= st {
		return amount / pow10(iso-st), nil
	}
	return amount * pow10(st-iso), nil
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
