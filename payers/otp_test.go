package payers_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

func TestOneTimeCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		ps := payers.NewStore(db.Gorm, func() time.Time { return now })
		var ids []int64
		db.Gorm.Transaction(func(tx *gorm.DB) error {
			var err error
			ids, err = ps.LinkPayers(ctx, tx, []vendors.PayerContact{{Email: "ap@acme.example"}})
			return err
		})
		payer := ids[0]

		code, err := ps.IssueCode(ctx, payer, "credit")
		if err != nil || len(code) != 6 {
			t.Fatalf("code %q, %v", code, err)
		}
		if err := ps.UseCode(ctx, payer, "contact", code); err != payers.ErrCodeInvalid {
			t.Fatal("a code worked for another purpose")
		}
		if err := ps.UseCode(ctx, payer+1, "credit", code); err != payers.ErrCodeInvalid {
			t.Fatal("a code worked for another payer")
		}
		if err := ps.UseCode(ctx, payer, "credit", code); err != nil {
			t.Fatalf("the right code: %v", err)
		}
		if err := ps.UseCode(ctx, payer, "credit", code); err != payers.ErrCodeInvalid {
			t.Fatal("a code was used twice")
		}

		code, _ = ps.IssueCode(ctx, payer, "credit")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range payers.OTPAttempts {
			ps.UseCode(ctx, payer, "credit", wrong)
		}
		if err := ps.UseCode(ctx, payer, "credit", code); err != payers.ErrCodeInvalid {
			t.Fatal("the right code still worked after 5 wrong tries")
		}

		code, _ = ps.IssueCode(ctx, payer, "credit")
		now = now.Add(payers.OTPTTL + time.Second)
		if err := ps.UseCode(ctx, payer, "credit", code); err != payers.ErrCodeInvalid {
			t.Fatal("an expired code worked")
		}
		first, _ := ps.IssueCode(ctx, payer, "credit")
		second, _ := ps.IssueCode(ctx, payer, "credit")
		if first != second {
			if err := ps.UseCode(ctx, payer, "credit", first); err != payers.ErrCodeInvalid {
				t.Fatal("a replaced code still worked")
			}
		}
		if err := ps.UseCode(ctx, payer, "credit", second); err != nil {
			t.Fatalf("the newest code: %v", err)
		}
	})
}
