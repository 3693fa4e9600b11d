package bundler

import (
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
)

// Digest is one payer's reminder as built from live state at send time:
// every remindable invoice across vendors, grouped by vendor, plus the held
// ones. Rendering turns it into an email or an SMS.
type Digest struct {
	ID        int64 // the ledger row
	PayerID   int64
	PayerName string
	Slot      time.Time
	Today     civil.Date // payer-local date the digest is built for
	Locale    string     // the payer's: how days are written (locale.Day)
	Vendors   []VendorSection
	// Due is the amount due per currency over every vendor, held invoices excluded.
	Due money.Totals
	// InboxURL opens every invoice in the portal; PreferencesURL the
	// payer's settings; UnsubscribeURL stops digests on this channel (GET
	// shows a confirmation; POST to it is the RFC 8058 one-click form).
	InboxURL       string
	PreferencesURL string
	UnsubscribeURL string
	// ShortURL is the SMS link: an opaque token resolved by the hub.
	ShortURL string
	// Omitted counts remindable invoices left out of the listing (past
	// MaxLines, by the rotation) and OmittedVendors the vendors that have
	// only such invoices; both are in Due and in the counts. OmittedDue is
	// their total.
	Omitted, OmittedVendors int
	OmittedDue              money.Totals
	// Changes opens the digest: what changed since the previous one.
	Changes Changes
	// Urgent marks a short "due now" message between two regular digests:
	// only invoices that fell due and no digest listed yet.
	Urgent bool
}

// MaxLines is the most remindable invoices a digest lists: Gmail clips
// messages over 102 KB, which would hide the unsubscribe link. The rest are
// counted, totalled and one click away in the inbox, and listed in the
// following digests in rotation.
const MaxLines = 30

// VendorSection is one vendor's part of a digest.
type VendorSection struct {
	VendorID int64
	Name     string
	Domain   string // verified display domain, may be empty
	// Invoices are the remindable invoices, overdue first, then by due date.
	Invoices []Line
	// Held are invoices on hold (dispute, promise, reported payment):
	// shown with the reason, not counted in Due.
	Held []Line
	Due  money.Totals
	// LogoURL (absolute, served by the hub) and Accent ("#rrggbb", checked
	// for contrast) are the vendor's branding; "" shows the section as
	// before branding (issue 15).
	LogoURL, Accent string
}

// Line is one invoice in a digest.
type Line struct {
	InvoiceID       int64
	Number          string
	Currency        string
	AmountRemaining int64
	DueDate         civil.Date
	// DaysOverdue is > 0 when overdue, 0 on the due date, < 0 before it.
	DaysOverdue int
	Memo        string // vendor-supplied: plain text only, never a link
	HoldReason  string // for held lines: "Disputed", "Payment promised for 2026-12-10", …
	Links       Links
}

// Links are an invoice's signed actions; Promise only on an overdue one.
type Links struct {
	Pay, ApplyCredit, Ask, Dispute string
	Promise                        string
}

// InvoiceCount returns the number of remindable invoices.
func (d Digest) InvoiceCount() int {
	n := 0
	for _, v := range d.Vendors {
		n += len(v.Invoices)
	}
	return n
}
