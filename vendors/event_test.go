package vendors

import (
	"regexp"
	"testing"
)

var eventIDForm = regexp.MustCompile(`^evt_[0-9A-Za-z]{1,64}$`)

// FuzzValidEventID: the cursor check of GET /v1/events?after= takes exactly
// the documented form (openapi.yaml: ^evt_[0-9A-Za-z]{1,64}$), which every
// id the hub makes has.
func FuzzValidEventID(f *testing.F) {
	for _, s := range []string{"evt_42", "evt_4sGq0Lx2mN8pRt6vW1yZ3bCd", "evt_", "evt_-1", "42", "EVT_1", "evt_1\n",
		"evt_é", "evt_1 OR 1=1", "evt_" + string(make([]byte, 65)), "evt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		f.Add(s)
	}
	for i := 0; i < 5; i++ {
		id := EventIDPrefix + randomBase62(24)
		if !ValidEventID(id) {
			f.Fatalf("a generated id is refused: %q", id)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidEventID(s), eventIDForm.MatchString(s); got != want {
			t.Fatalf("ValidEventID(%q) = %v, the documented pattern says %v", s, got, want)
		}
	})
}
