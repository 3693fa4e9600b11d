package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/locale"
)

// Issue 17: vendors connect a Stripe account to be paid in the payers'
// multi-vendor checkout.

type stripePageData struct {
	Connected, ChargesEnabled, PayoutsEnabled bool
	AccountID, Country, Currencies            string
	Requirements                              []checkout.Requirement
	Expired, Returned, Refreshed              bool
	FeeBPS                                    int64
	AsOf                                      string // when the status was last read from Stripe
}

// stripePage answers GET /vendor/stripe (admins): the account's status as
// last read from Stripe (by account.updated events or a press of Check
// status); a view calls nothing and changes nothing.
func (s *Server) stripePage(c *gin.Context) {
	ctx, vendorID := c.Request.Context(), member(c).VendorID
	d := stripePageData{Expired: c.Query("expired") == "1", Returned: c.Query("returned") == "1",
		Refreshed: c.Query("done") == "refreshed", FeeBPS: s.checkout.FeeBPS()}
	acct, err := s.checkout.Account(ctx, vendorID)
	switch {
	case errors.Is(err, checkout.ErrNoAccount):
	case err != nil:
		s.fail(c, err)
		return
	default:
		d.AsOf = locale.Moment(locale.Default, acct.UpdatedAt.UTC()) + " UTC"
		d.Connected, d.AccountID, d.ChargesEnabled, d.PayoutsEnabled = true, acct.AccountID, acct.ChargesEnabled, acct.PayoutsEnabled
		d.Country, d.Requirements = acct.Country, acct.Needs()
		d.Currencies = strings.ToUpper(strings.ReplaceAll(acct.Currencies, ",", ", "))
	}
	s.renderVendor(c, http.StatusOK, "stripe", vendorPage{Title: "Stripe payments", Data: d})
}

// refreshStripe answers POST /vendor/stripe/refresh (admins): the status is
// read from Stripe on a press, not on every view (account.updated events
// keep it current between presses).
func (s *Server) refreshStripe(c *gin.Context) {
	if _, err := s.checkout.RefreshAccount(c.Request.Context(), member(c).VendorID); err != nil {
		if errors.Is(err, checkout.ErrNoAccount) {
			seeOther(c, "/vendor/stripe")
			return
		}
		s.fail(c, err)
		return
	}
	seeOther(c, "/vendor/stripe?done=refreshed")
}

// connectStripe answers POST /vendor/stripe/connect (admins): the account
// is created on first use, and the admin goes to Stripe's onboarding.
func (s *Server) connectStripe(c *gin.Context) {
	base := strings.TrimRight(s.publicURL, "/")
	link, err := s.checkout.OnboardingLink(c.Request.Context(), member(c).VendorID, base+"/vendor/stripe?returned=1", base+"/vendor/stripe?expired=1")
	if err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, link)
}
