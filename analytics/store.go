package analytics

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/vendors"
)

// Store reads a vendor's figures. It writes nothing.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a Store over db with the clock now.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, now: now}
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

// Compute returns the vendor's report over p. The period's end is capped at
// now: figures "at the end of the period" of a period reaching today are
// figures as of now.
func (s *Store) Compute(ctx context.Context, vendorID int64, p Period) (Report, error) {
	now := s.now().UTC()
	q := &query{db: s.db.WithContext(ctx), pg: s.db.Dialector.Name() == "postgres", vendorID: vendorID, p: p, now: now}
	q.today = civil.Of(now)
	q.start = p.From.In(time.UTC)
	q.end = p.To.AddDays(1).In(time.UTC)
	q.lastDay = p.To
	if q.end.After(now) {
		q.end, q.lastDay = now, q.today
	}
	r := Report{Period: p, AsOf: now}
	steps := []func(*Report) error{q.money, q.aging, q.latePayments, q.disputes, q.delinquent, q.responseTime, q.accuracy, q.lateReasons}
	for _, step := range steps {
		if err := step(&r); err != nil {
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
	today    civil.Date
	// start and end bound the period as instants [start, end); end is
	// capped at now. lastDay is the last day the period covers up to now.
	start, end time.Time
	lastDay    civil.Date
}

// currencyFilter is an SQL condition on col and its arguments.
func (q *query) currencyFilter(col string) (string, []any) {
	if q.p.Currency == "" {
		return "", nil
	}
	return " AND " + col + " = ?", []any{q.p.Currency}
}

// month is the SQL of the UTC month ("2026-11") of a timestamp column.
func (q *query) month(col string) string {
	if q.pg {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', " + col + ")"
}

// day is the SQL of the UTC date of a timestamp column, comparable with a
// DATE column.
func (q *query) day(col string) string {
	if q.pg {
		return "(" + col + " AT TIME ZONE 'UTC')::date"
	}
	return "date(" + col + ")"
}

// daysAfter is the SQL of the whole days from the DATE column due to the
// UTC date of the timestamp column at.
func (q *query) daysAfter(at, due string) string {
	if q.pg {
		return "((" + at + " AT TIME ZONE 'UTC')::date - " + due + ")"
	}
	return "CAST(julianday(date(" + at + ")) - julianday(" + due + ") AS INTEGER)"
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
