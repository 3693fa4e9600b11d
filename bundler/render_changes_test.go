package bundler

import (
	"strings"
	"testing"
)

// TestRenderWhatChanged: the digest opens with what changed since the
// previous one — new invoices, newly overdue, answers waiting, holds lifted
// — in the HTML and the plain text alike; the SMS's short form names the
// answers waiting, the one change the payer must open the inbox to read.
func TestRenderWhatChanged(t *testing.T) {
	d := sampleDigest(t)
	d.Changes = Changes{Since: date(t, "2026-06-02"), New: 1, NewlyOverdue: 2, Answers: 2, HoldsLifted: 1}
	want := "1 new invoice, 2 newly overdue, 2 answers waiting, 1 hold lifted"
	_, text, html, err := RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "What changed since your last digest (") || !strings.Contains(text, "): "+want+"\n") {
		t.Errorf("plain text lacks %q:\n%s", want, text[:min(len(text), 600)])
	}
	if !strings.Contains(html, "<strong>What changed since your last digest</strong>") || !strings.Contains(html, want+"</p>") {
		t.Errorf("HTML lacks %q", want)
	}

	only := sampleDigest(t)
	only.Changes = Changes{Since: date(t, "2026-06-02"), Answers: 1}
	if _, text, _, _ := RenderEmail(only); !strings.Contains(text, "): 1 answer waiting\n") {
		t.Errorf("an answer alone is not what changed:\n%s", text[:min(len(text), 600)])
	}
	first := sampleDigest(t) // a payer's first digest has nothing to compare with
	if _, text, _, _ := RenderEmail(first); strings.Contains(text, "What changed") {
		t.Error("a first digest says what changed")
	}

	for _, c := range []struct {
		name string
		d    Digest
		has  string
	}{
		{"due and answered", d, " 2 overdue, 1 on hold. 2 answers waiting. Reply STOP"},
		{"all held, one answer", func() Digest {
			h := digestOf(vendorWith("Northwind Supplies", 0, "USD", 1000, 1))
			h.Changes = Changes{Since: date(t, "2026-06-02"), Answers: 1}
			return h
		}(), "on hold; nothing is due now. 1 answer waiting. Reply STOP"},
		{"no answer", first, " 1 on hold. Reply STOP"},
	} {
		msg, err := RenderSMS(c.d)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.Contains(msg, c.has) || SMSSegments(msg) > SMSMaxSegments {
			t.Errorf("%s: SMS %q (%d segments) lacks %q", c.name, msg, SMSSegments(msg), c.has)
		}
	}
}
