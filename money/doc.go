// Package money knows ISO 4217 currencies and formats integer minor-unit
// amounts. Amounts everywhere in duehub are int64 minor units with a currency
// code; there are no floats and no sums across currencies.
package money
