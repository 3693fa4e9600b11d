package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/ratelimit"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var start = time.Date(2026, 12, 1, 9, 1, 0, 0, time.UTC) // one minute into a 10-minute window

func TestLimiterWindows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := &clock{t: start}
		l := ratelimit.New(db.Gorm, clk.now)
		rule := ratelimit.Rule{Limit: 3, Window: 10 * time.Minute}

		for i, wantLeft := range []int{2, 1, 0} {
			d, err := l.Allow(ctx, "form:a", rule)
			if err != nil || !d.Allowed || d.Remaining != wantLeft {
				t.Fatalf("request %d: %+v, %v; want allowed with %d left", i+1, d, err, wantLeft)
			}
		}
		// Refusals are not counted: hammering does not push the retry time out.
		var first time.Duration
		for i := range 5 {
			d, err := l.Allow(ctx, "form:a", rule)
			if err != nil || d.Allowed || d.Remaining != 0 {
				t.Fatalf("request %d over the limit: %+v, %v", i+4, d, err)
			}
			if i == 0 {
				first = d.RetryAfter
			} else if d.RetryAfter != first {
				t.Fatalf("Retry-After moved from %s to %s", first, d.RetryAfter)
			}
		}
		// The window ends 9 minutes later; then the 3 weigh as the previous
		// window and must fall to 2: a third of the next window.
		if want := 9*time.Minute + 200*time.Second; first != want {
			t.Fatalf("RetryAfter = %s, want %s", first, want)
		}
		if p, err := l.Peek(ctx, "form:a", rule); err != nil || p.Allowed {
			t.Fatalf("Peek = %+v, %v; want refused", p, err)
		}
		// Another key and another rule are counted apart.
		if d, _ := l.Allow(ctx, "form:b", rule); !d.Allowed {
			t.Fatal("another key was refused")
		}
		if d, _ := l.Allow(ctx, "form:a", ratelimit.Rule{Limit: 5, Window: time.Minute}); !d.Allowed {
			t.Fatal("the same key under another rule was refused")
		}

		clk.add(first - time.Second)
		if d, _ := l.Allow(ctx, "form:a", rule); d.Allowed {
			t.Fatal("admitted a second before Retry-After")
		}
		clk.add(time.Second)
		if p, _ := l.Peek(ctx, "form:a", rule); !p.Allowed || p.Remaining != 1 {
			t.Fatalf("Peek at Retry-After = %+v, want allowed with 1 left", p)
		}
		if d, _ := l.Allow(ctx, "form:a", rule); !d.Allowed {
			t.Fatalf("refused at Retry-After: %+v", d)
		}
		if d, _ := l.Allow(ctx, "form:a", rule); d.Allowed {
			t.Fatal("a second request admitted while the previous window still weighs 2")
		}
		// Two windows later everything is forgotten.
		clk.add(20 * time.Minute)
		for i := range 3 {
			if d, _ := l.Allow(ctx, "form:a", rule); !d.Allowed {
				t.Fatalf("request %d after the windows passed was refused", i+1)
			}
		}
		// Pruning removed rows whose windows are over (form:b's and the 1-minute rule's).
		var n int64
		db.Gorm.Table("rate_limits").Count(&n)
		if n != 1 {
			t.Fatalf("%d rows left after pruning, want 1", n)
		}
	})
}

// Many checks at once, as from several processes, admit exactly the limit.
func TestLimiterConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := &clock{t: start}
		// Two limiters over one database stand for two processes.
		ls := []*ratelimit.Limiter{ratelimit.New(db.Gorm, clk.now), ratelimit.New(db.Gorm, clk.now)}
		rule := ratelimit.Rule{Limit: 10, Window: time.Minute}
		var admitted, refused atomic.Int64
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := ls[i%2].Allow(ctx, "api:key:1", rule)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					admitted.Add(1)
				} else {
					refused.Add(1)
				}
			}()
		}
		wg.Wait()
		if admitted.Load() != 10 || refused.Load() != 30 {
			t.Fatalf("admitted %d, refused %d; want 10 and 30", admitted.Load(), refused.Load())
		}
	})
}

func TestOffRuleAdmitsWithoutDatabase(t *testing.T) {
	l := ratelimit.New(nil, nil)
	for range 3 {
		if d, err := l.Allow(context.Background(), "k", ratelimit.Rule{}); err != nil || !d.Allowed {
			t.Fatalf("off rule: %+v, %v", d, err)
		}
	}
}
