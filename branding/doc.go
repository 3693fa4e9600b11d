// Package branding holds each vendor's logo and accent colour (issue 15):
// the checks that make them safe to show to payers — an SVG sanitised to an
// allow-list, a PNG decoded and re-encoded, an accent colour refused unless
// it keeps WCAG AA contrast — and the gorm store, scoped by vendor. The
// digest email and the payer portal show a vendor's branding on that
// vendor's section only; the hub serves the logo itself.
package branding
