package handlers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

var randomEventID = regexp.MustCompile(`^evt_[0-9A-Za-z]{24}$`)

// TestEventsFeedConcurrent writes events from concurrent transactions that
// commit out of id order (held open for random times) or roll back, while a
// poller pages GET /v1/events?after= over HTTP. The poller must see every
// committed event of its vendor exactly once, in each transaction's order,
// and never a rolled-back one or another vendor's.
func TestEventsFeedConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		writers, run := 8, 10*time.Second
		if !db.Postgres() {
			// One writer connection: transactions queue, so fewer and shorter.
			writers, run = 3, 2*time.Second
		}
		h := newHub(t, db)
		a, keyA := h.vendor("Northwind")
		b, _ := h.vendor("Contoso")

		type txLog struct {
			ids       []string
			committed bool
			vendor    int64
		}
		var (
			mu  sync.Mutex
			txs []txLog
		)
		stop := time.Now().Add(run)
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for n := 0; time.Now().Before(stop); n++ {
					vendor := a
					if rng.IntN(4) == 0 {
						vendor = b
					}
					rollback := rng.IntN(5) == 0
					hold := time.Duration(rng.IntN(20)) * time.Millisecond
					if rng.IntN(10) == 0 {
						hold = time.Duration(100+rng.IntN(300)) * time.Millisecond // a slow action
					}
					if !db.Postgres() {
						hold /= 4
					}
					var ids []string
					errRollback := errors.New("roll back")
					err := db.Gorm.Transaction(func(tx *gorm.DB) error {
						for i := 0; i < 1+rng.IntN(3); i++ {
							// As the payer actions write them: tx.Create inside their transaction.
							ev := vendors.Event{VendorID: vendor, Type: "pay.clicked", CreatedAt: time.Now().UTC(),
								Payload: eventJSON(t, "pay.clicked", fmt.Sprintf("W%d-%d-%d", w, n, i))}
							if err := tx.Create(&ev).Error; err != nil {
								return err
							}
							ids = append(ids, ev.PublicID)
							if i == 0 {
								time.Sleep(hold) // others commit meanwhile, with greater ids
							}
						}
						if rollback {
							return errRollback
						}
						return nil
					})
					if err != nil && !errors.Is(err, errRollback) {
						errs <- fmt.Errorf("writer %d: %w", w, err)
						return
					}
					mu.Lock()
					txs = append(txs, txLog{ids: ids, committed: err == nil, vendor: vendor})
					mu.Unlock()
				}
			}(w)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()

		seen := map[string]int{} // id → place in the feed
		var order []string
		cursor := ""
		read := func() bool {
			path := "/v1/events?limit=100"
			if cursor != "" {
				path += "&after=" + cursor
			}
			r := h.do("GET", path, keyA, nil)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", path, r.status, r.body)
			}
			var page eventList
			r.json(t, &page)
			for _, e := range page.Data {
				if _, dup := seen[e.ID]; dup {
					t.Fatalf("event %s given twice", e.ID)
				}
				seen[e.ID] = len(order)
				order = append(order, e.ID)
			}
			if page.NextCursor != nil {
				cursor = *page.NextCursor
			}
			return page.HasMore
		}
		polls := 0
	writing:
		for {
			select {
			case <-done:
				break writing
			default:
				read()
				polls++
				time.Sleep(time.Duration(rand.IntN(10)) * time.Millisecond)
			}
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}

		want, gone := map[string]bool{}, map[string]bool{}
		for _, tx := range txs {
			for _, id := range tx.ids {
				switch {
				case tx.committed && tx.vendor == a:
					want[id] = true
				default:
					gone[id] = true // rolled back, or the other vendor's
				}
			}
		}
		// Catch up: every committed event is readable at once.
		for read() {
		}
		t.Logf("%d transactions, %d events for the poller, %d rolled back or another vendor's, %d polls during writes",
			len(txs), len(want), len(gone), polls)
		if len(want) < 50 {
			t.Fatalf("only %d events written: the test proves nothing", len(want))
		}
		missed := 0
		for id := range want {
			if _, ok := seen[id]; !ok {
				missed++
			}
		}
		var wrong []string
		for id := range seen {
			if gone[id] {
				wrong = append(wrong, id)
			}
		}
		if missed > 0 || len(wrong) > 0 || len(seen) != len(want) {
			t.Fatalf("poller saw %d events of %d committed: %d missed, %d rolled back or foreign %v", len(seen), len(want), missed, len(wrong), wrong)
		}
		for _, tx := range txs {
			if !tx.committed || tx.vendor != a {
				continue
			}
			places := make([]int, len(tx.ids))
			for i, id := range tx.ids {
				places[i] = seen[id]
			}
			if !sort.IntsAreSorted(places) {
				t.Errorf("events of one transaction out of order: %v at %v", tx.ids, places)
			}
		}
	})
}

// TestEventsFeedLateCommit holds a transaction open after writing an event
// while a later one commits: the poller must not step over the first.
// (SQLite has one writer at a time, so this cannot happen there.)
func TestEventsFeedLateCommit(t *testing.T) {
	db := dbtest.Postgres(t)
	h := newHub(t, db)
	a, key := h.vendor("Northwind")
	ctx := context.Background()
	if err := h.vendors.RecordEvent(ctx, a, "pay.clicked", eventData(t, "pay.clicked", map[string]any{"invoice_external_id": fmt.Sprint(0)})); err != nil {
		t.Fatal(err)
	}
	var first eventList
	h.do("GET", "/v1/events", key, nil).json(t, &first)
	if len(first.Data) != 1 {
		t.Fatalf("first page: %+v", first)
	}
	cursor := *first.NextCursor

	slow := db.Gorm.Begin()
	defer slow.Rollback() // a no-op once it ended; on failure it releases the schema
	late := vendors.Event{VendorID: a, Type: "dispute.created", Payload: eventJSON(t, "dispute.created", "1"), CreatedAt: time.Now().UTC()}
	if err := slow.Create(&late).Error; err != nil {
		t.Fatal(err)
	}
	if err := h.vendors.RecordEvent(ctx, a, "pay.clicked", eventData(t, "pay.clicked", map[string]any{"invoice_external_id": fmt.Sprint(2)})); err != nil {
		t.Fatal(err)
	}
	rolled := db.Gorm.Begin()
	defer rolled.Rollback() // a no-op once it ended; on failure it releases the schema
	if err := rolled.Create(&vendors.Event{VendorID: a, Type: "pay.clicked", Payload: eventJSON(t, "pay.clicked", "3"), CreatedAt: time.Now().UTC()}).Error; err != nil {
		t.Fatal(err)
	}

	// The committed event is read at once; the open transaction's is not there yet.
	var page eventList
	h.do("GET", "/v1/events?after="+cursor, key, nil).json(t, &page)
	if len(page.Data) != 1 || !strings.Contains(string(page.Data[0].Data), `"invoice_external_id":"2"`) {
		t.Fatalf("while a transaction before it is open: %+v", page)
	}
	cursor = *page.NextCursor
	if err := rolled.Rollback().Error; err != nil {
		t.Fatal(err)
	}
	if err := slow.Commit().Error; err != nil {
		t.Fatal(err)
	}
	// Committed after a later event was read, it comes next: not stepped over.
	h.do("GET", "/v1/events?after="+cursor, key, nil).json(t, &page)
	if len(page.Data) != 1 || page.Data[0].ID != late.PublicID || page.Data[0].Type != "dispute.created" {
		t.Fatalf("after the late commit, want the late event: %+v", page)
	}
	// Nothing more: the rolled-back event never shows.
	h.do("GET", "/v1/events?after="+*page.NextCursor, key, nil).json(t, &page)
	if len(page.Data) != 0 {
		t.Fatalf("after the last: %+v", page)
	}
	var all eventList
	h.do("GET", "/v1/events", key, nil).json(t, &all)
	if len(all.Data) != 3 {
		t.Fatalf("the whole feed: %+v", all)
	}
}

// TestEventIDsRevealNothing interleaves two vendors' events: neither can
// learn from its ids how many events the other had (the row ids, global,
// would show it in their gaps).
func TestEventIDsRevealNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		a, keyA := h.vendor("Northwind")
		b, keyB := h.vendor("Contoso")
		ctx := context.Background()
		for i := 0; i < 30; i++ {
			v := a
			if i%3 != 0 {
				v = b
			}
			if err := h.vendors.RecordEvent(ctx, v, "pay.clicked", eventData(t, "pay.clicked", map[string]any{"invoice_external_id": fmt.Sprint(i)})); err != nil {
				t.Fatal(err)
			}
		}
		all := map[string]bool{}
		for _, key := range []string{keyA, keyB} {
			var page eventList
			h.do("GET", "/v1/events", key, nil).json(t, &page)
			ids := make([]string, len(page.Data))
			for i, e := range page.Data {
				if !randomEventID.MatchString(e.ID) {
					t.Fatalf("event id %q: want evt_ and 24 random letters and digits", e.ID)
				}
				if all[e.ID] {
					t.Fatalf("id %s given twice", e.ID)
				}
				all[e.ID] = true
				ids[i] = e.ID
			}
			// Random ids are not in feed order: their order says nothing either.
			if sort.StringsAreSorted(ids) {
				t.Errorf("ids sorted like the feed: %v", ids)
			}
		}
		if len(all) != 30 {
			t.Fatalf("%d ids, want 30", len(all))
		}
	})
}

// TestEventsLegacyCursor: events recorded before the gap-free feed keep their
// evt_<number> ids (the migration gives them that), and such an id is still
// a cursor, with the new events after it. An id that is not the vendor's is
// refused, naming the field.
func TestEventsLegacyCursor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		a, key := h.vendor("Northwind")
		b, keyB := h.vendor("Contoso")
		ctx := context.Background()
		for _, id := range []string{"evt_41", "evt_42"} {
			// As migration 00007 leaves an old event: id evt_<row id>.
			if err := db.Gorm.Create(&vendors.Event{PublicID: id, VendorID: a, Type: "pay.clicked", Payload: eventJSON(t, "pay.clicked", "legacy"), CreatedAt: time.Now().UTC()}).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := h.vendors.RecordEvent(ctx, a, "dispute.created", eventData(t, "dispute.created", map[string]any{"invoice_external_id": fmt.Sprint(1)})); err != nil {
			t.Fatal(err)
		}
		if err := h.vendors.RecordEvent(ctx, b, "dispute.created", eventData(t, "dispute.created", map[string]any{"invoice_external_id": fmt.Sprint(2)})); err != nil {
			t.Fatal(err)
		}
		var page eventList
		h.do("GET", "/v1/events?after=evt_41", key, nil).json(t, &page)
		if len(page.Data) != 2 || page.Data[0].ID != "evt_42" || !randomEventID.MatchString(page.Data[1].ID) {
			t.Fatalf("after an old cursor: %+v", page)
		}
		newest := page.Data[1].ID
		// A's ids are unknown to B, exactly like ids that do not exist.
		var msgs []string
		for _, after := range []string{"evt_40", "evt_4sGq0Lx2mN8pRt6vW1yZ3bCd", newest, "evt_41"} {
			p := h.do("GET", "/v1/events?after="+after, keyB, nil).problem(t, 422)
			msgs = append(msgs, fieldMessage(t, p.Errors, "after"))
		}
		if msgs[0] == "" || msgs[1] != msgs[0] || msgs[2] != msgs[0] || msgs[3] != msgs[0] {
			t.Errorf("messages differ: %q", msgs)
		}
	})
}
