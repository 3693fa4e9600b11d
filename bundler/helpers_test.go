package bundler

import (
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
)

// date parses 2006-01-02; "" is the zero Date.
func date(t *testing.T, s string) civil.Date {
	t.Helper()
	if s == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// instant parses RFC 3339 with an explicit offset, which keeps DST cases
// unambiguous; "" is the zero Time.
func instant(t *testing.T, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("timezone %s: %v", name, err)
	}
	return loc
}

func dateStrings(ds []civil.Date) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}
