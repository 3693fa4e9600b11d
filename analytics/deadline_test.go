package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestPastTargetInVendorZone: threads past the default target (one
// business day) are counted in the vendor's time zone, on both databases.
// Auckland (NZDT, UTC+13): asked Friday 2026-12-04 20:00 UTC, Saturday
// 09:00 there, due Monday 09:00 there (Sunday 20:00 UTC) and answered
// Sunday 21:00 UTC: past the target (in UTC it would be due Monday 20:00
// UTC, and on time). Los Angeles (PST, UTC−8): asked Saturday 03:00 UTC,
// Friday 19:00 there, due Monday 19:00 there (Tuesday 03:00 UTC) and
// answered Monday 10:00 UTC: on time (in UTC, due Monday 03:00: late).
func TestPastTargetInVendorZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		w.at("2026-12-01 10:00")
		for _, c := range []struct {
			zone, asked, answered string
			want                  int
		}{
			{"Pacific/Auckland", "2026-12-04 20:00", "2026-12-06 21:00", 1},
			{"America/Los_Angeles", "2026-12-05 03:00", "2026-12-07 10:00", 0},
		} {
			v := w.vendor(c.zone)
			if err := db.Gorm.Exec(`UPDATE vendors SET timezone = ? WHERE id = ?`, c.zone, v).Error; err != nil {
				t.Fatal(err)
			}
			m := w.member(v, "pat")
			w.at("2026-12-01 10:00")
			w.push(v, inv{id: "Z-1", customer: "z", issue: "2026-11-20", due: "2026-12-20", amount: 1000})
			w.at(c.asked)
			th := w.question(v, "Z-1")
			w.at(c.answered)
			w.reply(v, m, th)
			w.at("2026-12-09 12:00")
			r, err := analytics.NewStore(db.Gorm, func() time.Time { return w.now }).Compute(context.Background(), v,
				period(t, "2026-12-01", "2026-12-09", ""))
			if err != nil {
				t.Fatal(err)
			}
			if r.Timezone != c.zone || r.ResponseTime.FirstReply.Count != 1 || r.ResponseTime.PastTarget != c.want {
				t.Errorf("%s: %d of %d threads past the target, want %d (zone %s)", c.zone, r.ResponseTime.PastTarget,
					r.ResponseTime.FirstReply.Count, c.want, r.Timezone)
			}
		}
	})
}
