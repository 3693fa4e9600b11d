package payers_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
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

// TestConcurrentGuessesGetFiveTries sends 40 guesses at once, the right
// code among them, in several rounds: at most OTPAttempts tries are counted,
// the right code works at most once, and never once five wrong tries were
// counted. A second burst of 40 wrong guesses leaves the right code dead.
func TestConcurrentGuessesGetFiveTries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		ps := payers.NewStore(db.Gorm, time.Now)
		var ids []int64
		db.Gorm.Transaction(func(tx *gorm.DB) error {
			var err error
			ids, err = ps.LinkPayers(ctx, tx, []vendors.PayerContact{{Email: "ap@acme.example"}})
			return err
		})
		payer := ids[0]
		attempts := func() int {
			var n int
			db.Gorm.Raw("SELECT attempts FROM otp_codes WHERE payer_id = ? ORDER BY id DESC LIMIT 1", payer).Scan(&n)
			return n
		}
		guess := func(code string, right int) (accepted int) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			start := make(chan struct{})
			for i := range 40 {
				try := fmt.Sprintf("%06d", (mustAtoi(t, code)+1+i)%1_000_000)
				if i == right {
					try = code
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					err := ps.UseCode(ctx, payer, "credit", try)
					if err != nil && err != payers.ErrCodeInvalid {
						t.Errorf("guess: %v", err)
					}
					if err == nil {
						mu.Lock()
						accepted++
						mu.Unlock()
					}
				}()
			}
			close(start)
			wg.Wait()
			return accepted
		}
		for round := range 6 {
			code, err := ps.IssueCode(ctx, payer, "credit")
			if err != nil {
				t.Fatal(err)
			}
			accepted := guess(code, (round*7)%40)
			// Five tries, or fewer when the right code came early and spent it.
			if n := attempts(); n > payers.OTPAttempts || (n < payers.OTPAttempts && accepted != 1) {
				t.Fatalf("round %d: %d tries counted of 40 guesses, want %d", round, n, payers.OTPAttempts)
			}
			if accepted > 1 {
				t.Fatalf("round %d: the code was accepted %d times", round, accepted)
			}

			// 40 wrong guesses at once, then the right code: refused.
			code, err = ps.IssueCode(ctx, payer, "credit")
			if err != nil {
				t.Fatal(err)
			}
			if n := guess(code, -1); n != 0 {
				t.Fatalf("round %d: a wrong guess was accepted", round)
			}
			if n := attempts(); n != payers.OTPAttempts {
				t.Fatalf("round %d: %d tries counted of 40 wrong guesses, want %d", round, n, payers.OTPAttempts)
			}
			if err := ps.UseCode(ctx, payer, "credit", code); err != payers.ErrCodeInvalid {
				t.Fatalf("round %d: the right code worked after 40 wrong guesses: %v", round, err)
			}
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
