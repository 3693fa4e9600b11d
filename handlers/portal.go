package handlers

import (
	"embed"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/payers"
)

// The payer portal: server-rendered pages, no JavaScript, every state change
// a POST checked against the session's CSRF token, every query scoped by the
// session's payer.

//go:embed templates/portal/*.html
var portalFS embed.FS

// portalPages holds one template set per page: the layout plus the page's
// own "content" block.
var portalPages = pageSet(portalFS, "templates/portal")

// portalPage is what every portal page gets; Data is the page's own.
type portalPage struct {
	Title      string
	CSRF       string
	PayerLabel string
	Flash      string
	Error      string
	// PausedUntil is the last day of the payer's pause ("" when none): a
	// banner with Resume on every page while it lasts.
	PausedUntil string
	// Back is the current page, where a form in the layout returns.
	Back string
	Data any
	// Checkout is true on the inbox when the payer can pay some of its
	// invoices online: a vendor of one has connected Stripe and takes its
	// currency (issue 17).
	Checkout bool
}

func (s *Server) renderPortal(c *gin.Context, status int, page string, p portalPage) {
	t, ok := portalPages[page]
	if !ok {
		panic("handlers: no portal page " + page)
	}
	if csrf, ok := c.Get(ctxCSRF); ok && p.CSRF == "" {
		p.CSRF = csrf.(string)
	}
	if p.PayerLabel == "" && payerID(c) > 0 {
		if payer, err := s.sessionPayer(c); err == nil {
			p.PayerLabel = payerLabel(payer)
			p.PausedUntil = pausedUntil(payer, s.now())
		}
	}
	p.Flash = firstNonEmpty(p.Flash, flashText[c.Query("done")])
	p.Back = backTo(c.Request.URL.Path, "/portal")
	if s.checkout != nil && page == "inbox" && payerID(c) > 0 { // issue 17
		can, err := s.checkout.PayerCanPay(c.Request.Context(), payerID(c))
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Checkout = can
	}
	s.renderPage(c, status, t, page, p)
}

func payerLabel(p payers.Payer) string {
	_, addr, _ := strings.Cut(p.Key, ":")
	if p.Name != "" {
		return p.Name + " · " + addr
	}
	return addr
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// flashText are the confirmations shown after a POST redirects (?done=…):
// the redirect keeps a reload from posting twice.
var flashText = map[string]string{
	"question": "Your question was sent. The vendor's answer will appear here, and we will email you.",
	"dispute":  "Your dispute was opened. Reminders for this invoice are paused until the vendor resolves it.",
	"promise":  "Thank you. Reminders for this invoice are paused until the date you promised.",
	"credit":   "The credit was applied.",
	"mute":     "Muted. You will get no more reminders about this vendor's invoices. You can unmute them here or in settings.",
	"pause":    "Reminders are paused.",
	"unmute":   "Unmuted. Reminders about this vendor's invoices come again.",
	"resume":   "Reminders are on again.",
	"calendar": "Your calendar link was turned off: calendars subscribed to it get nothing more.",
	"reply":    "Your reply was sent. It is in the same conversation, back in the vendor's queue.",
	"payment":  "Thank you. Each vendor was told about your payment; reminders for those invoices pause while they confirm.",
	"settings": "Your settings were saved.",
	"code":     "We emailed you a 6-digit code. It is valid for 10 minutes.",
	// Issue 12: a late-payment reason.
	"late_reason": "Thank you: the vendor now knows what held the payment up.",
}

// seeOther redirects after a POST.
func seeOther(c *gin.Context, to string) {
	c.Redirect(http.StatusSeeOther, to)
}
