package bundler

import (
	"errors"
	"github.com/duehub/duehub/vendors"
	"slices"
	"testing"
	"time"
)

func TestPolicyValidate(t *testing.T) {
	thirteen := []int{-60, -30, -14, -7, -3, 0, 1, 3, 7, 14, 30, 60, 365}
	cases := []struct {
		name   string
		policy Policy
		fields []string // nil: valid
	}{
		{"default", DefaultPolicy(), nil},
		{"bounds inclusive", Policy{Offsets: []int{-60, 365}, RepeatDays: 90}, nil},
		{"one offset, daily repeat", Policy{Offsets: []int{0}, RepeatDays: 1}, nil},
		{"twelve offsets", Policy{Offsets: thirteen[:12], RepeatDays: 7}, nil},
		{"thirteen offsets", Policy{Offsets: thirteen, RepeatDays: 7}, []string{"offsets"}},
		{"no offsets", Policy{RepeatDays: 7}, []string{"offsets"}},
		{"too early", Policy{Offsets: []int{-61, 0}, RepeatDays: 7}, []string{"offsets[0]"}},
		{"too late", Policy{Offsets: []int{0, 366}, RepeatDays: 7}, []string{"offsets[1]"}},
		{"duplicate", Policy{Offsets: []int{0, 3, 0}, RepeatDays: 7}, []string{"offsets[2]"}},
		{"repeat zero", Policy{Offsets: []int{0}}, []string{"repeat_days"}},
		{"repeat 91", Policy{Offsets: []int{0}, RepeatDays: 91}, []string{"repeat_days"}},
		{"everything wrong at once", Policy{Offsets: []int{-90, -90}, RepeatDays: -1},
			[]string{"offsets[0]", "offsets[1]", "offsets[1]", "repeat_days"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.policy.Validate()
			if c.fields == nil {
				if err != nil {
					t.Fatalf("valid policy refused: %v", err)
				}
				return
			}
			var fe *vendors.ValidationError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			var got []string
			for _, e := range fe.Fields {
				got = append(got, e.Field)
				if e.Message == "" {
					t.Errorf("%s has no message", e.Field)
				}
			}
			if !slices.Equal(got, c.fields) {
				t.Fatalf("fields = %v, want %v (%v)", got, c.fields, err)
			}
		})
	}
}

func TestFieldErrorsMessage(t *testing.T) {
	err := Policy{Offsets: []int{0}, RepeatDays: 0}.Validate()
	if want := "invalid input: repeat_days: must be between 1 and 90 days"; err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

func TestDefaultPolicyIsNotShared(t *testing.T) {
	p := DefaultPolicy()
	p.Offsets[0] = 99
	if DefaultPolicy().Offsets[0] != -7 {
		t.Fatal("changing one vendor's policy changed the default")
	}
}

func TestPointsBetween(t *testing.T) {
	cases := []struct {
		name           string
		policy         Policy
		due            string
		after, through string
		want           []string
	}{
		{"nothing before the first offset", DefaultPolicy(), "2026-12-01", "", "2026-11-23", nil},
		{"first offset is a week before due", DefaultPolicy(), "2026-12-01", "", "2026-11-24", []string{"2026-11-24"}},
		{"after is exclusive, through inclusive", DefaultPolicy(), "2026-12-01", "2026-11-24", "2026-12-01", []string{"2026-12-01"}},
		{"offsets then weekly repeat", DefaultPolicy(), "2026-12-01", "", "2026-12-22",
			[]string{"2026-11-24", "2026-12-01", "2026-12-04", "2026-12-08", "2026-12-15", "2026-12-22"}},
		{"nothing new on a day between points", DefaultPolicy(), "2026-12-01", "2026-12-08", "2026-12-14", nil},
		{"far overdue keeps its weekly rhythm", DefaultPolicy(), "2024-01-01", "2026-06-01", "2026-06-30",
			[]string{"2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29"}},
		{"due date itself", Policy{Offsets: []int{0}, RepeatDays: 30}, "2026-12-01", "2026-11-30", "2026-12-01", []string{"2026-12-01"}},
		{"only early offsets: repeats start once overdue, not on the due date",
			Policy{Offsets: []int{-14, -7}, RepeatDays: 7}, "2026-12-01", "", "2026-12-15",
			[]string{"2026-11-17", "2026-11-24", "2026-12-08", "2026-12-15"}},
		{"repeat anchored on a negative last offset", Policy{Offsets: []int{-30, -3}, RepeatDays: 10}, "2026-12-01", "2026-11-28", "2026-12-20",
			[]string{"2026-12-08", "2026-12-18"}},
		{"offsets in any order", Policy{Offsets: []int{7, -7, 3, 0}, RepeatDays: 7}, "2026-12-01", "", "2026-12-15",
			[]string{"2026-11-24", "2026-12-01", "2026-12-04", "2026-12-08", "2026-12-15"}},
		{"across a leap day", Policy{Offsets: []int{0}, RepeatDays: 1}, "2028-02-27", "2028-02-27", "2028-03-01",
			[]string{"2028-02-28", "2028-02-29", "2028-03-01"}},
		{"empty range", DefaultPolicy(), "2026-12-01", "2026-12-10", "2026-12-01", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := dateStrings(c.policy.PointsBetween(date(t, c.due), date(t, c.after), date(t, c.through)))
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestPointsBetweenYearsOverdue(t *testing.T) {
	// An invoice six years overdue, never reminded: four offsets, then one
	// point every 7 days from day 14 on.
	due, through := date(t, "2020-01-01"), date(t, "2026-06-30")
	days := int(through.In(time.UTC).Sub(due.In(time.UTC)).Hours() / 24)
	points := DefaultPolicy().PointsBetween(due, date(t, ""), through)
	if want := 4 + (days-7)/7; len(points) != want {
		t.Fatalf("%d points, want %d", len(points), want)
	}
	last := points[len(points)-1]
	if last.After(through) || !last.AddDays(7).After(through) {
		t.Fatalf("last point %s is not the last weekly repeat up to %s", last, through)
	}
	for i := 4; i < len(points); i++ {
		if gap := points[i-1].DaysUntil(points[i]); gap != 7 {
			t.Fatalf("points %s and %s are %d days apart", points[i-1], points[i], gap)
		}
	}
}

func TestNextPoint(t *testing.T) {
	cases := []struct {
		name   string
		policy Policy
		due    string
		after  string
		want   string
	}{
		{"never reminded: the first offset", DefaultPolicy(), "2026-12-01", "", "2026-11-24"},
		{"between offsets", DefaultPolicy(), "2026-12-01", "2026-12-02", "2026-12-04"},
		{"after the last offset: first repeat", DefaultPolicy(), "2026-12-01", "2026-12-08", "2026-12-15"},
		{"years overdue", DefaultPolicy(), "2024-01-01", "2026-06-01", "2026-06-08"},
		{"on a repeat day: the next one", DefaultPolicy(), "2024-01-01", "2026-06-08", "2026-06-15"},
		{"still weeks before the first offset", DefaultPolicy(), "2027-03-01", "2026-12-01", "2027-02-22"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.policy.NextPoint(date(t, c.due), date(t, c.after))
			if !ok || got.String() != c.want {
				t.Fatalf("got %s %v, want %s", got, ok, c.want)
			}
		})
	}
}

// NextPoint is how the run loop learns whether a payer triggered;
// PointsBetween is how the README explains it. They must agree.
func TestNextPointAgreesWithPointsBetween(t *testing.T) {
	policies := []Policy{DefaultPolicy(), {Offsets: []int{-14, -7}, RepeatDays: 7}, {Offsets: []int{-60, 30, 365}, RepeatDays: 90}}
	due := date(t, "2026-12-01")
	for _, p := range policies {
		for after := due.AddDays(-70); after.Before(due.AddDays(500)); after = after.AddDays(1) {
			next, ok := p.NextPoint(due, after)
			points := p.PointsBetween(due, after, next)
			if !ok || len(points) != 1 || points[0] != next {
				t.Fatalf("%v after %s: NextPoint %s, PointsBetween up to it %v", p, after, next, points)
			}
		}
	}
}
