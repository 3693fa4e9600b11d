package bundler

import (
	"strconv"
	"strings"

	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/vendors"
)

// emailView is what the email templates see: every string already worded
// and formatted, vendor text wrapped in vendorText, so the templates only
// lay things out.
type emailView struct {
	Subject  string
	Headline string   // "USD 12,340.00 + EUR 500.00 due" or "Nothing due right now"
	Totals   []string // Due per currency, for the header
	Summary  string   // "7 invoices from 3 vendors · 2 overdue · 1 on hold"
	AsOf     string
	Payer    vendorText // the payer's name as vendors pushed it
	Vendors  []vendorView
	// Omitted invoices (and vendors with nothing else shown) are counted in
	// the totals but not listed, to keep the email under clients' size limits.
	Omitted, OmittedVendors int
	OmittedTotal            string // "USD 1,200.00 + EUR 50.00"
	// Changed opens the digest: what changed since ChangedSince, the day of
	// the previous digest ("2 new invoices", "1 newly overdue", …).
	Changed      []string
	ChangedSince string

	InboxURL, PreferencesURL, UnsubscribeURL string
}

type vendorView struct {
	Name, Domain vendorText
	HasDomain    bool
	Invoices     []lineView
	Held         []lineView
	Totals       []string // this vendor's due per currency
	// LogoURL and Accent: the vendor's branding, "" for none (issue 15).
	LogoURL, Accent string
}

type lineView struct {
	// Title is "Invoice " before a number that does not say it is an
	// invoice, "" before one that does ("INV-1001"): vendors.InvoiceTitle.
	Title      string
	Number     vendorText
	Amount     string
	DueDate    string
	Status     string // "12 days overdue", "due today", "due in 5 days"
	Tone       string // colour of Status: overdue red, due today amber, else grey
	Memo       vendorText
	HasMemo    bool
	HoldReason vendorText
	Links      []linkView
	// PayDirect replaces the Pay link when the vendor gave no payment page.
	PayDirect bool
}

type linkView struct {
	Label, URL string
	Primary    bool
}

const (
	toneOverdue = "#b42318"
	toneToday   = "#b54708"
	toneLater   = "#52606d"
)

// Longest vendor text shown; beyond it the text is cut with an ellipsis so
// one vendor cannot push the rest of the digest out of view.
const (
	maxName   = 120
	maxDomain = 253
	maxNumber = 64
	maxMemo   = 300
	maxReason = 200
)

func newEmailView(d Digest) emailView {
	v := emailView{
		Subject:        subject(d),
		Totals:         dueOf(d).List(),
		AsOf:           locale.Day(d.Locale, d.Today),
		Payer:          newVendorText(d.PayerName, maxName),
		InboxURL:       d.InboxURL,
		PreferencesURL: d.PreferencesURL,
		UnsubscribeURL: d.UnsubscribeURL,
		Omitted:        d.Omitted,
		OmittedVendors: d.OmittedVendors,
		OmittedTotal:   joinTotals(d.OmittedDue, " + "),
	}
	if c := d.Changes; !c.Since.IsZero() {
		v.ChangedSince = locale.Day(d.Locale, c.Since)
		if c.New > 0 {
			v.Changed = append(v.Changed, plural(c.New, "new invoice"))
		}
		if c.NewlyOverdue > 0 {
			v.Changed = append(v.Changed, strconv.Itoa(c.NewlyOverdue)+" newly overdue")
		}
		if c.Answers > 0 {
			v.Changed = append(v.Changed, answersWaiting(c.Answers))
		}
		if c.HoldsLifted > 0 {
			v.Changed = append(v.Changed, plural(c.HoldsLifted, "hold")+" lifted")
		}
		if len(v.Changed) == 0 {
			v.Changed = []string{"no new invoices; reminder dates reached"}
		}
	}
	n, held := d.InvoiceCount()+d.Omitted, heldCount(d)
	if n == 0 {
		v.Headline = "Nothing due right now"
		v.Summary = plural(held, "invoice") + " from " + plural(vendorsWith(d, true), "vendor") + " on hold"
	} else {
		v.Headline = joinTotals(dueOf(d), " + ") + " due"
		v.Summary = plural(n, "invoice") + " from " + plural(vendorsWith(d, false)+d.OmittedVendors, "vendor")
		if o := overdueCount(d); o > 0 {
			v.Summary += " · " + strconv.Itoa(o) + " overdue"
		}
		if held > 0 {
			v.Summary += " · " + strconv.Itoa(held) + " on hold"
		}
	}
	for _, s := range d.Vendors {
		vv := vendorView{
			Name:    newVendorText(s.Name, maxName),
			Domain:  newVendorText(s.Domain, maxDomain),
			Totals:  vendorDue(s).List(),
			LogoURL: s.LogoURL, Accent: s.Accent,
		}
		vv.HasDomain = vv.Domain.s != ""
		for _, l := range s.Invoices {
			vv.Invoices = append(vv.Invoices, newLineView(l, false, d.Locale))
		}
		for _, l := range s.Held {
			vv.Held = append(vv.Held, newLineView(l, true, d.Locale))
		}
		v.Vendors = append(v.Vendors, vv)
	}
	return v
}

func newLineView(l Line, held bool, code string) lineView {
	lv := lineView{
		Title:      strings.TrimSuffix(vendors.InvoiceTitle(l.Number), l.Number),
		Number:     newVendorText(l.Number, maxNumber),
		Amount:     money.Format(l.AmountRemaining, l.Currency),
		DueDate:    locale.Day(code, l.DueDate),
		Status:     locale.DueStatus(l.DaysOverdue), // the portal says it the same way
		Memo:       newVendorText(l.Memo, maxMemo),
		HoldReason: newVendorText(l.HoldReason, maxReason),
	}
	lv.HasMemo = lv.Memo.s != ""
	switch {
	case l.DaysOverdue > 0:
		lv.Tone = toneOverdue
	case l.DaysOverdue == 0:
		lv.Tone = toneToday
	default:
		lv.Tone = toneLater
	}
	if held {
		lv.Tone = toneLater
	}
	// A held invoice has no Pay link because paying is not what is asked of
	// the payer now; only a remindable one without a payment page says
	// "Pay the vendor directly".
	if l.Links.Pay != "" {
		lv.Links = append(lv.Links, linkView{Label: "Pay", URL: l.Links.Pay, Primary: true})
	} else if !held {
		lv.PayDirect = true
	}
	for _, k := range []linkView{
		{Label: "Apply credit", URL: l.Links.ApplyCredit},
		{Label: "Ask a question", URL: l.Links.Ask},
		{Label: "Dispute", URL: l.Links.Dispute},
		{Label: "Promise to pay", URL: l.Links.Promise},
	} {
		if k.URL != "" {
			lv.Links = append(lv.Links, k)
		}
	}
	return lv
}

// answersWaiting is "1 answer waiting" or "3 answers waiting": vendors'
// replies to the payer's questions and disputes, read in the inbox.
func answersWaiting(n int) string { return plural(n, "answer") + " waiting" }
