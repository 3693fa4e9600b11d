package payers

import (
	"testing"
	"time"
)

func TestDefaultTimezone(t *testing.T) {
	cases := []struct{ phone, want string }{
		{"+447700900123", "Europe/London"},
		{"+33612345678", "Europe/Paris"},
		{"+4915123456789", "Europe/Berlin"},
		{"+819012345678", "Asia/Tokyo"},
		{"+353861234567", "Europe/Dublin"}, // three-digit code
		{"+15551230000", "UTC"},            // US/Canada span many zones
		{"+61412345678", "UTC"},            // Australia spans several
		{"+74951234567", "UTC"},            // Russia spans eleven
		{"+35121234567", "UTC"},            // Portugal has the Azores
		{"447700900123", "UTC"},            // not E.164
		{"", "UTC"},
		{"+", "UTC"},
	}
	for _, c := range cases {
		if got := DefaultTimezone(c.phone); got != c.want {
			t.Errorf("DefaultTimezone(%q) = %s, want %s", c.phone, got, c.want)
		}
	}
}

func TestDefaultTimezonesLoad(t *testing.T) {
	for code, name := range zoneByCallingCode {
		if _, err := time.LoadLocation(name); err != nil {
			t.Errorf("+%s → %s does not load: %v", code, name, err)
		}
		for other := range zoneByCallingCode {
			if other != code && len(other) > len(code) && other[:len(code)] == code {
				t.Errorf("calling codes +%s and +%s overlap", code, other)
			}
		}
	}
}
