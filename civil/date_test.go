package civil

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseAndArithmetic(t *testing.T) {
	d, err := Parse("2026-12-01")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		n    int
		want string
	}{{-7, "2026-11-24"}, {0, "2026-12-01"}, {31, "2027-01-01"}, {-335, "2025-12-31"}}
	for _, c := range cases {
		if got := d.AddDays(c.n).String(); got != c.want {
			t.Errorf("AddDays(%d) = %s, want %s", c.n, got, c.want)
		}
		if got := d.DaysUntil(d.AddDays(c.n)); got != c.n {
			t.Errorf("DaysUntil after AddDays(%d) = %d", c.n, got)
		}
	}
	if got := (Date{1700, 1, 1}).DaysUntil(d); got != 119403 {
		t.Errorf("days over 326 years = %d (time.Duration overflow?)", got)
	}
	for _, bad := range []string{"2026-13-01", "2026-02-30", "01/12/2026", "", "2026-1-1"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestScanAndJSON(t *testing.T) {
	var d Date
	if err := d.Scan(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)); err != nil || d.String() != "2026-03-29" {
		t.Fatalf("scan time: %v %v", d, err)
	}
	if err := d.Scan("2026-03-30 00:00:00+00:00"); err != nil || d.String() != "2026-03-30" {
		t.Fatalf("scan text: %v %v", d, err)
	}
	b, _ := json.Marshal(struct{ D Date }{d})
	if string(b) != `{"D":"2026-03-30"}` {
		t.Fatalf("json = %s", b)
	}
	if !d.Before(d.AddDays(1)) || d.After(d.AddDays(1)) {
		t.Fatal("ordering wrong")
	}
}
