package main

import (
	"os"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/duehub/duehub/checkout"
)

// stripeCheckout returns the multi-vendor Stripe checkout (issue 17) as the
// environment configures it, or nil when DUEHUB_STRIPE_SECRET_KEY and
// DUEHUB_STRIPE_WEBHOOK_SECRET are both unset: then the feature is off and
// its pages and webhook answer 404. The secrets are read from the
// environment only, so that they do not show in the process list.
func stripeCheckout(db *gorm.DB) (*checkout.Store, error) {
	key := strings.TrimSpace(os.Getenv("DUEHUB_STRIPE_SECRET_KEY"))
	secret := strings.TrimSpace(os.Getenv("DUEHUB_STRIPE_WEBHOOK_SECRET"))
	if key == "" && secret == "" {
		return nil, nil
	}
	if key == "" {
		return nil, badConfig("DUEHUB_STRIPE_SECRET_KEY", "is required with DUEHUB_STRIPE_WEBHOOK_SECRET")
	}
	if secret == "" {
		return nil, badConfig("DUEHUB_STRIPE_WEBHOOK_SECRET", "is required with DUEHUB_STRIPE_SECRET_KEY")
	}
	var fee int64
	if raw := strings.TrimSpace(os.Getenv("DUEHUB_STRIPE_FEE_BPS")); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 || n > 2000 {
			return nil, badConfig("DUEHUB_STRIPE_FEE_BPS", "%q is not basis points from 0 to 2000 (100 is 1 %%)", raw)
		}
		fee = n
	}
	return checkout.New(checkout.Config{DB: db, SecretKey: key, WebhookSecret: secret,
		APIBase: strings.TrimSpace(os.Getenv("DUEHUB_STRIPE_API_BASE")), FeeBPS: fee})
}
