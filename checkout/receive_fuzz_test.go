package checkout_test

import (
	"context"
	"testing"

	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/checkout/checkouttest"
	"github.com/duehub/duehub/database/dbtest"
)

// FuzzReceive feeds Stripe webhook bodies of any shape, correctly signed
// (as a compromised or buggy sender could) and not: nothing panics, an
// unsigned body is never stored, and a stored event processes to a result
// or an error, never to a half-applied state that is retried for ever.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(checkouttest.SessionCompleted("evt_1", "cs_1", "pi_1")), true)
	f.Add([]byte(checkouttest.ChargeRefunded("evt_2", "ch_1", "pi_1", 100)), true)
	f.Add([]byte(`{"id":"evt_3","type":"transfer.reversed","data":{"object":{"id":"tr_1","reversed":true}}}`), true)
	f.Add([]byte(`{"id":"evt_4","type":"payment_intent.payment_failed","data":{"object":{"metadata":{"duehub_checkout":"x"}}}}`), true)
	f.Add([]byte(`{"id":"evt_5","type":"checkout.session.completed","data":null}`), true)
	f.Add([]byte(`not json`), false)
	db := dbtest.SQLite(f)
	store, err := checkout.New(checkout.Config{DB: db.Gorm, SecretKey: "sk_test_fuzz", WebhookSecret: "whsec_fuzz", APIBase: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		ctx := context.Background()
		sig := "t=1,v1=00"
		if signed {
			sig = checkouttest.Sign(body, "whsec_fuzz")
		}
		got, err := store.Receive(ctx, body, sig)
		if !signed {
			if err == nil {
				t.Fatalf("unsigned body accepted: %+v", got)
			}
			return
		}
		if err != nil || got.RowID == 0 {
			return
		}
		_ = store.Process(ctx, got.RowID) // must not panic
	})
}
