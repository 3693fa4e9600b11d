package locale

import (
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
)

func TestDay(t *testing.T) {
	dec1 := civil.Date{Year: 2026, Month: 12, Day: 1}
	mar9 := civil.Date{Year: 2027, Month: 3, Day: 9}
	sep30 := civil.Date{Year: 2026, Month: 9, Day: 30}
	for _, c := range []struct {
		code string
		d    civil.Date
		want string
	}{
		{"", dec1, "1 Dec 2026"},
		{"xx", dec1, "1 Dec 2026"},
		{"en-GB", dec1, "1 Dec 2026"},
		{"en-GB", sep30, "30 Sept 2026"},
		{"en-US", dec1, "Dec 1, 2026"},
		{"en-US", sep30, "Sep 30, 2026"},
		{"de", dec1, "1. Dez. 2026"},
		{"de", mar9, "9. März 2027"},
		{"fr", dec1, "1 déc. 2026"},
		{"fr", mar9, "9 mars 2027"},
		{"es", dec1, "1 dic 2026"},
		{"nl", mar9, "9 mrt 2027"},
		{"en-GB", civil.Date{}, ""},
	} {
		if got := Day(c.code, c.d); got != c.want {
			t.Errorf("Day(%q, %s) = %q, want %q", c.code, c.d, got, c.want)
		}
	}
	for _, o := range Supported {
		if !Valid(o.Code) {
			t.Errorf("supported %q has no format", o.Code)
		}
	}
}

func TestMoment(t *testing.T) {
	nine := time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC)
	nine2 := time.Date(2026, 12, 1, 21, 5, 0, 0, time.UTC)
	for _, c := range []struct {
		code string
		at   time.Time
		want string
	}{
		{"", nine, "1 Dec 2026, 09:05"},
		{"en-GB", nine2, "1 Dec 2026, 21:05"},
		{"en-US", nine, "Dec 1, 2026, 9:05 AM"},
		{"en-US", nine2, "Dec 1, 2026, 9:05 PM"},
		{"de", nine, "1. Dez. 2026, 09:05"},
		{"es", nine, "1 dic 2026, 9:05"},
		{"es", nine2, "1 dic 2026, 21:05"},
		{"es", time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC), "1 dic 2026, 0:30"},
		{"en-US", time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC), "Dec 1, 2026, 12:30 AM"},
	} {
		if got := Moment(c.code, c.at); got != c.want {
			t.Errorf("Moment(%q, %s) = %q, want %q", c.code, c.at, got, c.want)
		}
	}
}

func TestMatch(t *testing.T) {
	for tag, want := range map[string]string{
		"en-GB": "en-GB", "en_US": "en-US", "de-AT": "de", "DE": "de", "fr-CA": "fr", "es-MX": "es",
		"nl-BE": "nl", "en-AU": "en-GB", "en": "en-US", "ja": "", "": "", "not a tag!": "",
	} {
		if got := Match(tag); got != want {
			t.Errorf("Match(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestDueStatus(t *testing.T) {
	for days, want := range map[int]string{
		9: "9 days overdue", 1: "1 day overdue", 0: "due today", -1: "due tomorrow", -2: "due in 2 days", -14: "due in 14 days",
	} {
		if got := DueStatus(days); got != want {
			t.Errorf("DueStatus(%d) = %q, want %q", days, got, want)
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"en-GB", "de_AT", "zh-Hant-TW", "x-private", "a-b-c-d-e-f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		if got := Match(tag); got != "" && !Valid(got) {
			t.Fatalf("Match(%q) = %q, not supported", tag, got)
		}
	})
}
