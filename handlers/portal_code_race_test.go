package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestConcurrentCodeGuessesOverHTTP posts 40 credit applications at once,
// each with another code, the emailed one among them, in several rounds:
// at most five tries are counted, the credit moves at most once, and after
// 40 wrong guesses at once the emailed code applies nothing.
func TestConcurrentCodeGuessesOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		// Room for all 40 at once: the point is the race, not load shedding.
		h := newPortalHub(t, db, func(c *Config) { c.Load.MaxInFlight = 40 })
		const acme = "ap@acme.example"
		north := h.vendor("Northwind")
		inv := h.invoice(north, "N-1", acme, 100000, "2026-11-20")
		cn := h.pushCredit(north, "CN-1", acme, "", "USD", 30000)
		b := h.signIn(acme)
		page := "/portal/invoices/" + itoa(inv) + "/credit"
		csrf := csrfOf(t, b.get(page).body)
		attempts := func() int {
			var n int
			db.Gorm.Raw("SELECT attempts FROM otp_codes ORDER BY id DESC LIMIT 1").Scan(&n)
			return n
		}
		burst := func(code string, right int) (statuses map[int]int) {
			statuses = map[int]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			start := make(chan struct{})
			n, _ := strconv.Atoi(code)
			for i := range 40 {
				try := fmt.Sprintf("%06d", (n+1+i)%1_000_000)
				if i == right {
					try = code
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					form := url.Values{"csrf": {csrf}, "credit": {itoa(cn)}, "amount": {"10.00"}, "code": {try}}
					resp, err := b.client.PostForm(h.srv.URL+page, form)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					mu.Lock()
					statuses[resp.StatusCode]++
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			return statuses
		}
		left := int64(30000)
		for round := range 4 {
			st := burst(b.askCode(inv), (round*11)%40)
			// Five tries, or fewer when the right code came early and spent it.
			if n := attempts(); n > 5 || (n < 5 && st[http.StatusSeeOther] != 1) {
				t.Fatalf("round %d: %d tries counted of 40 guesses (%v), want 5", round, n, st)
			}
			now := h.creditLeft(north, "CN-1")
			if now != left && now != left-1000 {
				t.Fatalf("round %d: the credit went from %d to %d", round, left, now)
			}
			if applied := st[http.StatusSeeOther]; (applied == 1) != (now == left-1000) || applied > 1 {
				t.Fatalf("round %d: %v, credit %d → %d", round, st, left, now)
			}
			left = now

			code := b.askCode(inv)
			if st := burst(code, -1); st[http.StatusUnprocessableEntity] != 40 {
				t.Fatalf("round %d: 40 wrong guesses answered %v", round, st)
			}
			r := b.post(page, url.Values{"csrf": {csrf}, "credit": {itoa(cn)}, "amount": {"10.00"}, "code": {code}}, "")
			if r.status != http.StatusUnprocessableEntity || h.creditLeft(north, "CN-1") != left {
				t.Fatalf("round %d: the emailed code after 40 wrong guesses: %d, credit %d", round, r.status, h.creditLeft(north, "CN-1"))
			}
		}
	})
}
