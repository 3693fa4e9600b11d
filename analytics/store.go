package analytics

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/vendors"
)

// Store reads a vendor's figures. It writes only the network's
// benchmarks, in RefreshNetwork.
type Store struct {
	db        *gorm.DB
	now       func() time.Time
	noRollups bool // WithoutRollups
}

// NewStore returns a Store over db with the clock now.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, now: now}
}

// WithoutRollups is s computing every figure from the invoices alone,
// reading and writing no monthly rollup: the reference the rollups are
// tested and benchmarked against.
func (s *Store) WithoutRollups() *Store {
	c := *s
	c.noRollups = true
	return &c
}

// MaxDays is the longest period a report covers: three years of history.
const MaxDays = 3*366 + 1

// ParsePeriod reads from, to (dates, both included) and currency as the
// API and the web page take them: to defaults to today, from to 89 days
// before to (the last 90 days). Bad input is a *vendors.ValidationError
// naming the field.
func ParsePeriod(from, to, currency string, today civil.Date) (Period, error) {
	p := Period{To: today, Currency: currency}
	var fe []vendors.FieldError
	if to != "" {
		d, err := civil.Parse(to)
		if err != nil {
			fe = append(fe, vendors.FieldError{Field: "to", Message: "must be a date like 2026-11-30"})
		}
		p.To = d
	}
	p.From = p.To.AddDays(-89)
	if from != "" {
		d, err := civil.Parse(from)
		if err != nil {
			fe = append(fe, vendors.FieldError{Field: "from", Message: "must be a date like 2026-09-01"})
		}
		p.From = d
	}
	if len(fe) == 0 {
		switch {
		case p.To.Before(p.From):
			fe = append(fe, vendors.FieldError{Field: "to", Message: "must not be before from"})
		case p.Days() > MaxDays:
			fe = append(fe, vendors.FieldError{Field: "from", Message: fmt.Sprintf("must be at most %d days before to", MaxDays-1)})
		}
	}
	if currency != "" && !validCurrency(currency) {
		fe = append(fe, vendors.FieldError{Field: "currency", Message: "must be an upper-case ISO 4217 code like USD"})
	}
	if len(fe) > 0 {
		return Period{}, &vendors.ValidationError{Fields: fe}
	}
	return p, nil
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// Location is the vendor's time zone, in which the analytics count days
// and months; UTC when the vendor has none the hub can load.
func (s *Store) Location(ctx context.Context, vendorID int64) (*time.Location, error) {
	var v struct{ Timezone string }
	if err := s.db.WithContext(ctx).Raw(`SELECT timezone FROM vendors WHERE id = ?`, vendorID).Scan(&v).Error; err != nil {
		return nil, fmt.Errorf("analytics: vendor time zone: %w", err)
	}
	if v.Timezone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(v.Timezone)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// Today is the vendor's current day, in its time zone: the day periods
// are counted back from.
func (s *Store) Today(ctx context.Context, vendorID int64) (civil.Date, error) {
	loc, err := s.Location(ctx, vendorID)
	if err != nil {
		return civil.Date{}, err
	}
	return civil.Of(s.now().In(loc)), nil
}

// Compute returns the vendor's report over p, its days the vendor's own
// (in its time zone). The period's end is capped at now: figures "at the
// end of the period" of a period reaching today are figures as of now.
func (s *Store) Compute(ctx context.Context, vendorID int64, p Period) (Report, error) {
	loc, err := s.Location(ctx, vendorID)
	if err != nil {
		return Report{}, err
	}
	now := s.now().UTC()
	q := &query{db: s.db.WithContext(ctx), pg: s.db.Dialector.Name() == "postgres", vendorID: vendorID, p: p, now: now, loc: loc,
		noRollups: s.noRollups}
	q.today = civil.Of(now.In(loc))
	q.start = p.From.In(loc).UTC()
	q.end = p.To.AddDays(1).In(loc).UTC()
	q.lastDay = p.To
	if q.end.After(now) {
		q.end, q.lastDay = now, q.today
	}
	r := Report{Period: p, AsOf: now, Timezone: loc.String()}
	if err := q.prepare(); err != nil {
		return Report{}, fmt.Errorf("analytics: %w", err)
	}
	steps := []func(*Report) error{q.money, q.aging, q.latePayments, q.disputes, q.delinquent, q.responseTime, q.accuracy,
		q.lateReasons, q.cohorts, q.reminders}
	if !q.pg {
		// SQLite has one connection: the steps would only queue.
		for _, step := range steps {
			if err := step(&r); err != nil {
				return Report{}, fmt.Errorf("analytics: %w", err)
			}
		}
		return r, nil
	}
	// On PostgreSQL the steps run at once, each on its own connection:
	// every step is a few index-served aggregates and writes only its own
	// fields of r, so the page waits for the slowest rather than the sum.
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step(&r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Report{}, fmt.Errorf("analytics: %w", err)
		}
	}
	return r, nil
}

// query holds what every figure of one report is computed with.
type query struct {
	db       *gorm.DB
	pg       bool
	vendorID int64
	p        Period
	now      time.Time
	loc      *time.Location // the vendor's time zone
	today    civil.Date     // in loc
	// start and end bound the period as instants [start, end); end is
	// capped at now. lastDay is the last day the period covers up to now.
	start, end time.Time
	lastDay    civil.Date
	// noRollups computes every figure from the invoices alone, as the
	// reference the rollups are tested against.
	noRollups bool

	// Set by prepare, read by the steps: the rollups of the vendor's
	// ended months, the whole months of the period read from them, and
	// the period's billing by month and currency.
	months map[string]monthFigures
	whole  []month
	billed []billedMonth
}

// currencyFilter is an SQL condition on col and its arguments.
func (q *query) currencyFilter(col string) (string, []any) {
	if q.p.Currency == "" {
		return "", nil
	}
	return " AND " + col + " = ?", []any{q.p.Currency}
}

// zone is the vendor's time zone as an SQL literal (a name time.LoadLocation
// accepted; quotes doubled all the same).
func (q *query) zone() string {
	return "'" + strings.ReplaceAll(q.loc.String(), "'", "''") + "'"
}

// month is the SQL of the month ("2026-11"), in the vendor's time zone, of
// a timestamp column.
func (q *query) month(col string) string {
	if q.pg {
		return "to_char(" + col + " AT TIME ZONE " + q.zone() + ", 'YYYY-MM')"
	}
	return "substr(" + q.day(col) + ", 1, 7)"
}

// dateMonth is the SQL of the month ("2026-11") of a DATE column.
func (q *query) dateMonth(col string) string {
	if q.pg {
		return "to_char(" + col + ", 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}

// day is the SQL of the date, in the vendor's time zone, of a timestamp
// column, comparable with a DATE column. SQLite has no time zones:
// duehub_local_date is the database package's function.
func (q *query) day(col string) string {
	if q.pg {
		return "(" + col + " AT TIME ZONE " + q.zone() + ")::date"
	}
	if q.loc.String() == "UTC" {
		// SQLite's own date() is UTC's, and many times faster than a call
		// into Go per row.
		return "date(" + col + ")"
	}
	return "duehub_local_date(" + col + ", " + q.zone() + ")"
}

// daysAfter is the SQL of the whole days from the DATE column due to the
// vendor's date of the timestamp column at.
func (q *query) daysAfter(at, due string) string {
	return q.daysBetween(q.day(at), due)
}

// daysBetween is the SQL of the whole days from the date b to the date a.
func (q *query) daysBetween(a, b string) string {
	if q.pg {
		return "(" + a + " - " + b + ")"
	}
	return "CAST(julianday(" + a + ") - julianday(" + b + ") AS INTEGER)"
}

// kept ends a subquery in FROM that computes a per-row value (the
// vendor's day of a time) for the outer query's aggregates to use many
// times: SQLite would otherwise flatten it into the outer query and call
// duehub_local_date, a call into Go, once per use rather than once per
// row. PostgreSQL computes AT TIME ZONE natively.
func (q *query) kept() string {
	if q.pg {
		return ""
	}
	return " LIMIT -1"
}

// within is the SQL of "the timestamp column b falls in the days days
// after the timestamp column a".
func (q *query) within(a, b string, days int) string {
	if q.pg {
		return "(" + b + " >= " + a + " AND " + b + " < " + a + " + interval '" + strconv.Itoa(days) + " days')"
	}
	return "(julianday(" + b + ") >= julianday(" + a + ") AND julianday(" + b + ") < julianday(" + a + ") + " + strconv.Itoa(days) + ")"
}

// notIndexed is col in a condition no index should serve on SQLite: its
// planner, without statistics for the range, would rather walk the
// vendor's due dates — nearly all its invoices — than the open book's
// partial index ('+' makes the column an expression). PostgreSQL plans
// from its statistics.
func (q *query) notIndexed(col string) string {
	if q.pg {
		return col
	}
	return "+" + col
}

// float casts an aggregate to a float both drivers scan.
func (q *query) float(sql string) string {
	if q.pg {
		return "(" + sql + ")::float8"
	}
	return "CAST(" + sql + " AS REAL)"
}

// parseDay reads a date an aggregate returned: PostgreSQL gives a
// timestamp's text, SQLite the stored text.
func parseDay(s string) (civil.Date, error) {
	if len(s) > 10 {
		s = s[:10]
	}
	return civil.Parse(s)
}
