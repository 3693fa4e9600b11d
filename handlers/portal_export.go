package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// The payer's data out: a CSV of its invoices across vendors for its AP
// system, and a private calendar feed of due dates and promises.

// exportPaidWindow is how far back paid invoices are exported.
const exportPaidWindow = 365 * 24 * time.Hour

// exportCSV answers GET /portal/export.csv: one row per open or recently
// paid invoice, every vendor, only the session payer's.
func (s *Server) exportCSV(c *gin.Context) {
	rows, err := s.payers.ExportInvoices(c.Request.Context(), payerID(c), s.now().Add(-exportPaidWindow))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="duehub-invoices.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	w.Write([]string{"vendor", "vendor_domain", "invoice_number", "customer", "currency", "amount_due", "amount_remaining",
		"issue_date", "due_date", "status", "on_hold", "promised_date", "memo"})
	for _, r := range rows {
		issued := ""
		if !r.IssueDate.IsZero() {
			issued = r.IssueDate.String()
		}
		promised := ""
		if !r.PromisedFor.IsZero() {
			promised = r.PromisedFor.String()
		}
		w.Write([]string{cell(r.VendorName), cell(r.VendorDomain), cell(r.Number), cell(r.CustomerName), r.Currency,
			money.FormatNumber(r.AmountDue, r.Currency), money.FormatNumber(r.AmountRemaining, r.Currency),
			issued, r.DueDate.String(), r.Status, holdText[r.HoldKind], promised, cell(r.Memo)})
	}
	w.Flush()
}

// cell keeps vendor text from being read as a formula by a spreadsheet.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// calendarFeed answers GET /portal/calendar/:file, file being
// "<token>.ics": the feed needs no session (calendar apps have none), its
// secret is the token, revocable in settings.
func (s *Server) calendarFeed(c *gin.Context) {
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok {
		s.fail(c, errNoRoute)
		return
	}
	ctx := c.Request.Context()
	p, err := s.payers.CalendarPayer(ctx, token)
	if errors.Is(err, payers.ErrNotFound) {
		s.fail(c, errNoRoute)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.payers.ExportInvoices(ctx, p.ID, s.now())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/calendar; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	c.String(http.StatusOK, "%s", calendarText(rows, s.now(), s.publicHost()))
}

// calendarText writes the feed (RFC 5545): an all-day event on each open
// invoice's due date, and one on each promised date.
func calendarText(rows []payers.InvoiceDetail, now time.Time, host string) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(foldICal(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//duehub//payer calendar//EN")
	line("CALSCALE:GREGORIAN")
	line("X-WR-CALNAME:duehub: invoices due")
	stamp := now.UTC().Format("20060102T150405Z")
	event := func(uid string, day string, summary, description string) {
		d := strings.ReplaceAll(day, "-", "")
		line("BEGIN:VEVENT")
		line("UID:" + uid + "@" + host)
		line("DTSTAMP:" + stamp)
		line("DTSTART;VALUE=DATE:" + d)
		line("SUMMARY:" + escapeICal(summary))
		line("DESCRIPTION:" + escapeICal(description))
		line("TRANSP:TRANSPARENT")
		line("END:VEVENT")
	}
	for _, r := range rows {
		if r.Status != "open" || r.AmountRemaining == 0 {
			continue
		}
		amount := money.Format(r.AmountRemaining, r.Currency)
		event(fmt.Sprintf("invoice-%d", r.InvoiceID), r.DueDate.String(),
			"Due: "+vendors.InvoiceName(r.Number)+" from "+r.VendorName+" ("+amount+")",
			vendors.InvoiceTitle(r.Number)+" from "+r.VendorName+": "+amount+" remaining, due "+r.DueDate.String()+".")
		if !r.PromisedFor.IsZero() {
			event(fmt.Sprintf("promise-%d", r.InvoiceID), r.PromisedFor.String(),
				"Promised: pay "+vendors.InvoiceName(r.Number)+" to "+r.VendorName+" ("+amount+")",
				"You promised "+r.VendorName+" to pay "+vendors.InvoiceName(r.Number)+" by this day.")
		}
	}
	line("END:VCALENDAR")
	return b.String()
}

// escapeICal escapes TEXT values (RFC 5545 3.3.11).
func escapeICal(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldICal ends a content line with CRLF, folded at 75 octets without
// splitting a UTF-8 character (RFC 5545 3.1).
func foldICal(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut] + "\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

// publicHost names the hub in calendar UIDs.
func (s *Server) publicHost() string {
	if h := strings.TrimPrefix(strings.TrimPrefix(s.publicURL, "https://"), "http://"); h != "" {
		return strings.TrimSuffix(h, "/")
	}
	return "duehub"
}

// newCalendar answers POST /portal/settings/calendar: a new secret feed URL,
// shown once; the earlier one stops working.
func (s *Server) newCalendar(c *gin.Context) {
	token, err := s.payers.CalendarToken(c.Request.Context(), payerID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderPortal(c, http.StatusOK, "message", portalPage{Title: "Your private calendar link",
		Flash: "Add this address to your calendar app as a subscription. Keep it private: anyone with it sees your due dates. " +
			"It is shown only now; make a new one in settings if you lose it.",
		Data: s.baseURL(c) + "/portal/calendar/" + token + ".ics"})
}

// revokeCalendar answers POST /portal/settings/calendar/revoke.
func (s *Server) revokeCalendar(c *gin.Context) {
	if err := s.payers.RevokeCalendar(c.Request.Context(), payerID(c)); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/portal/settings?done=calendar")
}

// baseURL is the hub's address as the payer reaches it.
func (s *Server) baseURL(c *gin.Context) string {
	if s.publicURL != "" {
		return strings.TrimSuffix(s.publicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}
