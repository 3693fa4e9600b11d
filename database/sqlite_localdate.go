package database

import (
	"database/sql/driver"
	"strings"
	"sync"
	"time"

	sqlite "github.com/glebarez/go-sqlite"
)

// Issue 12 (analytics): SQLite has no time zone database, so the hub gives
// every SQLite connection duehub_local_date(ts, tz), the date (YYYY-MM-DD)
// of the timestamp ts in the IANA zone tz — what PostgreSQL writes as
// (ts AT TIME ZONE tz)::date. The invoices' billed_on trigger and the
// analytics queries use it, so days and months are the vendor's own.
// NULL in gives NULL out; an unknown zone or unreadable time is UTC's
// date of what can be read, never an error (a query must not fail on a
// vendor's setting).

var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

var zones sync.Map // name → *time.Location

func zone(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil || name == "" {
		l = time.UTC
	}
	zones.Store(name, l)
	return l
}

func localDate(args []driver.Value) (driver.Value, error) {
	var t time.Time
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = v
	case string:
		t = parseSQLiteTime(v)
	case []byte:
		t = parseSQLiteTime(string(v))
	default:
		return nil, nil
	}
	tz, _ := args[1].(string)
	return t.In(zone(tz)).Format("2006-01-02"), nil
}

func parseSQLiteTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, " m="); i > 0 { // a time.Time's String()
		s = s[:i]
	}
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t
		}
	}
	return time.Time{}
}

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("duehub_local_date", 2,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) { return localDate(args) })
}
