package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/checkout"
)

// Issue 17: vendors connect a Stripe account to be paid in the payers'
// multi-vendor checkout.

type stripePageData struct {
	Connected, ChargesEnabled, PayoutsEnabled bool
	AccountID, Country, Currencies            string
	Requirements                              []string
	Expired                                   bool
	FeeBPS                                    int64
}

// stripePage answers GET /vendor/stripe (admins): the account's status. A
// connected account's status is read again from Stripe on each visit (a
// cache of Stripe's state, no change of the vendor's data).
func (s *Server) stripePage(c *gin.Context) {
	ctx, vendorID := c.Request.Context(), member(c).VendorID
	d := stripePageData{Expired: c.Query("expired") == "1", FeeBPS: s.checkout.FeeBPS()}
	acct, err := s.checkout.Account(ctx, vendorID)
	switch {
	case errors.Is(err, checkout.ErrNoAccount):
	case err != nil:
		s.fail(c, err)
		return
	default:
		if fresh, err := s.checkout.RefreshAccount(ctx, vendorID); err == nil {
			acct = fresh
		} else {
			s.log.Warn("reading Stripe account", "vendor", vendorID, "err", err)
		}
		d.Connected, d.AccountID, d.ChargesEnabled, d.PayoutsEnabled = true, acct.AccountID, acct.ChargesEnabled, acct.PayoutsEnabled
		d.Country, d.Requirements = acct.Country, acct.Requirements()
		d.Currencies = strings.ToUpper(strings.ReplaceAll(acct.Currencies, ",", ", "))
	}
	s.renderVendor(c, http.StatusOK, "stripe", vendorPage{Title: "Stripe payments", Data: d})
}

// connectStripe answers POST /vendor/stripe/connect (admins): the account
// is created on first use, and the admin goes to Stripe's onboarding.
func (s *Server) connectStripe(c *gin.Context) {
	base := strings.TrimRight(s.publicURL, "/")
	link, err := s.checkout.OnboardingLink(c.Request.Context(), member(c).VendorID, base+"/vendor/stripe", base+"/vendor/stripe?expired=1")
	if err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, link)
}
