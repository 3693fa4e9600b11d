// Package civil holds Date, a calendar day with no time of day and no zone.
//
// Invoice issue and due dates are civil dates: "due 2026-12-01" means that day
// wherever the payer is. Keeping them out of time.Time avoids midnight-UTC
// off-by-one bugs when a payer's timezone is west of Greenwich.
package civil
