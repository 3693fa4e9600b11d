package main

import (
	"strings"
	"testing"

	"github.com/duehub/duehub/database/dbtest"
)

// TestStripeConfig: the checkout is off without both Stripe secrets, and a
// half or wrong configuration names the variable to fix.
func TestStripeConfig(t *testing.T) {
	db := dbtest.SQLite(t)
	for _, c := range []struct {
		key, secret, fee string
		on               bool
		err              string
	}{
		{on: false},
		{key: "sk_test_1", secret: "whsec_1", on: true},
		{key: "sk_test_1", secret: "whsec_1", fee: "150", on: true},
		{key: "sk_test_1", err: "DUEHUB_STRIPE_WEBHOOK_SECRET"},
		{secret: "whsec_1", err: "DUEHUB_STRIPE_SECRET_KEY"},
		{key: "sk_test_1", secret: "whsec_1", fee: "1.5", err: "DUEHUB_STRIPE_FEE_BPS"},
		{key: "sk_test_1", secret: "whsec_1", fee: "2001", err: "DUEHUB_STRIPE_FEE_BPS"},
	} {
		t.Setenv("DUEHUB_STRIPE_SECRET_KEY", c.key)
		t.Setenv("DUEHUB_STRIPE_WEBHOOK_SECRET", c.secret)
		t.Setenv("DUEHUB_STRIPE_FEE_BPS", c.fee)
		store, err := stripeCheckout(db.Gorm)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: error %v, want one naming %s", c, err, c.err)
			}
		case err != nil:
			t.Errorf("%+v: %v", c, err)
		case (store != nil) != c.on:
			t.Errorf("%+v: on = %v", c, store != nil)
		case c.fee == "150" && store.FeeBPS() != 150:
			t.Errorf("fee %d", store.FeeBPS())
		}
	}
}
