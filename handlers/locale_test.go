package handlers

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

var (
	digestLine = regexp.MustCompile(`\n(?:Invoice )?(\S+) · [^\n]*\nDue ([^\n]+?) · ([^\n]+)\n`)
	portalLine = regexp.MustCompile(`>(?:Invoice )?(\S+)</a>[^\n]*</td>\s*<td class="hide-sm">[^<]*</td>\s*<td>([^<]*)</td>\s*<td>(?:<span class="\w+">)?([^<]+)<`)
)

// The digest email and the portal inbox of one payer, on the same day,
// write every due date the same way, in the payer's locale, and say the
// same thing about where each invoice stands ("due tomorrow", "5 days
// overdue"), counted from the payer's own day: in Auckland it is already
// Tuesday while UTC is still on Monday. The payer changes its date format
// in settings and the portal follows.
func TestDueWordsAgreeInDigestAndPortal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		h.now = time.Date(2026, 11, 23, 20, 30, 0, 0, time.UTC) // Tuesday 24 Nov, 09:30 in Auckland
		today := civil.Date{Year: 2026, Month: 11, Day: 24}
		north := h.vendor("Northwind")
		const email = "ap@kiwi.example"
		want := map[string]struct{ due, status string }{
			"OLD-5":  {"19. Nov. 2026", "5 days overdue"},
			"LATE-1": {"23. Nov. 2026", "1 day overdue"},
			"INV-0":  {"24. Nov. 2026", "due today"}, // names itself: never "Invoice INV-0"
			"TMRW":   {"25. Nov. 2026", "due tomorrow"},
			"SOON-3": {"27. Nov. 2026", "due in 3 days"},
		}
		offsets := map[string]int{"OLD-5": -5, "LATE-1": -1, "INV-0": 0, "TMRW": 1, "SOON-3": 3}
		for ext, off := range offsets {
			h.invoice(north, ext, email, 10000, today.AddDays(off).String())
		}
		payer := h.payerID(email)
		if err := h.db.Gorm.Table("payers").Where("id = ?", payer).
			Updates(map[string]any{"timezone": "Pacific/Auckland", "locale": "de"}).Error; err != nil {
			t.Fatal(err)
		}

		h.runDigests()
		msgs := h.messagesTo(email)
		if len(msgs) != 1 {
			t.Fatalf("%d digests, want 1", len(msgs))
		}
		if !strings.Contains(msgs[0].Text, "as of 24. Nov. 2026") {
			t.Errorf("the digest is not dated the payer's day in its locale:\n%s", msgs[0].Text)
		}
		inDigest := map[string][2]string{}
		for _, m := range digestLine.FindAllStringSubmatch(msgs[0].Text, -1) {
			inDigest[m[1]] = [2]string{m[2], m[3]}
		}

		b := h.signIn(email)
		page := b.get("/portal")
		inPortal := map[string][2]string{}
		for _, m := range portalLine.FindAllStringSubmatch(page.body, -1) {
			inPortal[m[1]] = [2]string{html.UnescapeString(m[2]), html.UnescapeString(m[3])}
		}
		for number, w := range want {
			d, p := inDigest[number], inPortal[number]
			if d != [2]string{w.due, w.status} {
				t.Errorf("digest: invoice %s reads due %q · %q, want %q · %q", number, d[0], d[1], w.due, w.status)
			}
			// The portal opens its table cell with a capital; the words are the same.
			if p[0] != w.due || p[1] != upperFirst(w.status) {
				t.Errorf("portal: invoice %s reads due %q · %q, want %q · %q", number, p[0], p[1], w.due, upperFirst(w.status))
			}
		}
		if strings.Contains(msgs[0].Text, "Invoice INV-0") || strings.Contains(page.body, "Invoice INV-0") {
			t.Errorf("an invoice number that says it is an invoice is prefixed again")
		}
		if t.Failed() {
			t.Logf("digest:\n%s\nportal:\n%s", msgs[0].Text, page.body)
		}

		// The payer picks US dates in settings: the portal follows.
		fields := url.Values{"timezone": {"Pacific/Auckland"}, "cadence": {"rhythm"}, "weekday": {"2"}, "run_days": {""},
			"hour": {"9"}, "minute": {"0"}, "min_interval": {"0"}, "email": {"on"}}
		fields.Set("locale", "en-GB-oxendict")
		if r := b.post(settingsPath, fields, settingsPath); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="locale-error"`) {
			t.Errorf("an unknown date format: %d, want 422 naming it", r.status)
		}
		if got := b.get(settingsPath).body; !strings.Contains(got, `<option value="de" selected>Deutsch — 24. Nov. 2026</option>`) {
			t.Errorf("settings do not show the stored date format selected")
		}
		fields.Set("locale", "en-US")
		if r := b.post(settingsPath, fields, settingsPath); r.status != http.StatusSeeOther {
			t.Fatalf("save en-US: %d %s", r.status, r.body)
		}
		if got := b.get("/portal").body; !strings.Contains(got, "<td>Nov 19, 2026</td>") {
			t.Errorf("the inbox does not write US dates after the payer chose them")
		}
	})
}
