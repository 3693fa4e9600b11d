package handlers

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
)

// The landing page is where digest links arrive until the payer portal
// exists: it shows the payer's open invoices, read-only. GET never changes
// state (mail scanners follow links); the one state change here, the
// one-click unsubscribe of RFC 8058, is a POST.

//go:embed templates/landing.html
var landingFS embed.FS

var landingTemplate = template.Must(template.ParseFS(landingFS, "templates/landing.html"))

type landingLine struct {
	Number, Due, Amount, Hold string
	Focus                     bool
}

type landingVendor struct {
	ID           int64
	Name, Domain string
	Lines        []landingLine
}

type landingPage struct {
	Title, Lede, Notice string
	PayURL, PayVendor   string
	Unsubscribe         string
	Vendors             []landingVendor
}

var holdLabels = map[string]string{
	payers.HoldDispute:         "Disputed",
	payers.HoldPromise:         "Payment promised",
	payers.HoldPaymentReported: "Payment reported",
}

// landing answers GET /l/:token.
func (s *Server) landing(c *gin.Context) {
	claims, err := s.links.Parse(c.Param("token"))
	if err != nil {
		s.linkProblem(c)
		return
	}
	page := landingPage{Title: "Your open invoices", Lede: "Every vendor on duehub that bills you, in one place."}
	if claims.Action == links.ActionUnsubscribe {
		page = landingPage{Title: "Unsubscribe", Unsubscribe: c.Request.URL.Path}
		s.renderLanding(c, http.StatusOK, page)
		return
	}
	s.showInvoices(c, claims.PayerID(), claims.InvoiceID, claims.Action, page)
}

// shortLanding answers GET /s/:token, the SMS link.
func (s *Server) shortLanding(c *gin.Context) {
	payerID, _, err := s.payers.ResolveShortLink(c.Request.Context(), c.Param("token"), time.Now())
	if err != nil {
		if errors.Is(err, payers.ErrNotFound) {
			s.linkProblem(c)
			return
		}
		s.fail(c, err)
		return
	}
	s.showInvoices(c, payerID, 0, links.ActionInbox, landingPage{Title: "Your open invoices"})
}

func (s *Server) showInvoices(c *gin.Context, payerID, focus int64, action string, page landingPage) {
	open, err := s.payers.OpenInvoices(c.Request.Context(), payerID, time.Now())
	if err != nil {
		s.fail(c, err)
		return
	}
	byVendor := map[int64]int{}
	for _, o := range open {
		i, ok := byVendor[o.VendorID]
		if !ok {
			i = len(page.Vendors)
			byVendor[o.VendorID] = i
			page.Vendors = append(page.Vendors, landingVendor{ID: o.VendorID, Name: o.VendorName, Domain: o.VendorDomain})
		}
		page.Vendors[i].Lines = append(page.Vendors[i].Lines, landingLine{
			Number: o.Number, Due: o.DueDate.String(), Amount: money.Format(o.AmountRemaining, o.Currency),
			Hold: holdLabels[o.HoldKind], Focus: o.InvoiceID == focus,
		})
		if o.InvoiceID == focus {
			switch action {
			case links.ActionPay:
				page.PayURL, page.PayVendor = o.PayURL, o.VendorName
				if o.PayURL == "" {
					page.Notice = "This invoice has no online payment page: pay " + o.VendorName + " as usual."
				}
			case links.ActionApplyCredit, links.ActionAsk, links.ActionDispute:
				page.Notice = "Applying credits, asking questions and disputing open in the payer portal, coming next."
			}
		}
	}
	s.renderLanding(c, http.StatusOK, page)
}

// unsubscribe answers POST /l/:token for an unsubscribe link: the RFC 8058
// one-click form mail clients send, and the confirmation button.
func (s *Server) unsubscribe(c *gin.Context) {
	claims, err := s.links.Parse(c.Param("token"))
	if err != nil || claims.Action != links.ActionUnsubscribe {
		s.linkProblem(c)
		return
	}
	channel := claims.Channel
	if channel == "" {
		channel = "email"
	}
	if err := s.payers.SetChannel(c.Request.Context(), claims.PayerID(), channel, false); err != nil {
		s.fail(c, err)
		return
	}
	s.renderLanding(c, http.StatusOK, landingPage{Title: "You are unsubscribed",
		Lede: "You will get no more reminder digests on this channel."})
}

func (s *Server) linkProblem(c *gin.Context) {
	s.renderLanding(c, http.StatusNotFound, landingPage{Title: "This link has expired",
		Lede: "Links in reminders stay valid for 30 days. Your next reminder will carry fresh ones."})
}

func (s *Server) renderLanding(c *gin.Context, status int, page landingPage) {
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := landingTemplate.ExecuteTemplate(c.Writer, "landing", page); err != nil {
		s.log.Error("render landing", "err", err)
	}
}
