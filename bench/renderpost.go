package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/notify"
)

// renderPost is the delivery figure's goal baseline: the same digests River
// delivered, built in memory from the generator (not timed), then signed,
// rendered with bundler.RenderEmail and sent through the same sendgrid-go
// sender to the same fake SendGrid, riverWorkers at a time, with no
// database. River's rate over it says what the ledger, the jobs and the
// reads per digest cost on top of rendering and the provider.
func renderPost(ctx context.Context, h Hub, s *server, n *network, fake *fakeSendGrid, sg notify.Sender,
	delivered []bundler.Entry, now time.Time) (time.Duration, error) {
	index, err := payerIndexes(ctx, h, delivered)
	if err != nil {
		return 0, err
	}
	byPayer := n.invoicesByPayer()
	today := civil.Of(now.UTC())
	digests := make([]bundler.Digest, len(delivered))
	to := make([]string, len(delivered))
	for i, e := range delivered {
		p, ok := index[e.PayerID]
		if !ok {
			return 0, fmt.Errorf("bench: render-and-POST: payer %d is not in the network", e.PayerID)
		}
		digests[i] = n.skeleton(byPayer[p], p, e.ID, today)
		to[i] = n.customer(p).Email
	}
	byPayer = nil
	fake.reset(nil)
	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for range riverWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(digests) || firstErr.Load() != nil {
					return
				}
				if err := renderAndSend(ctx, s, sg, &digests[i], to[i]); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if p := firstErr.Load(); p != nil {
		return elapsed, fmt.Errorf("bench: render-and-POST: %w", *p)
	}
	fake.mu.Lock()
	got := fake.count
	fake.mu.Unlock()
	if got != len(digests) {
		return elapsed, fmt.Errorf("bench: render-and-POST: the fake SendGrid received %d requests for %d digests", got, len(digests))
	}
	return elapsed, nil
}

// renderAndSend signs and renders d and sends it as the bundler addresses
// an email digest.
func renderAndSend(ctx context.Context, s *server, sg notify.Sender, d *bundler.Digest, to string) error {
	if err := sign(s.links, d, notify.Email); err != nil {
		return err
	}
	msg := notify.Message{ID: "digest-" + strconv.FormatInt(d.ID, 10), Channel: notify.Email, To: []string{to},
		From: mailFrom, FromName: fromName}
	var err error
	if msg.Subject, msg.Text, msg.HTML, err = bundler.RenderEmail(*d); err != nil {
		return err
	}
	msg.Headers = map[string]string{
		"List-Unsubscribe":      "<" + d.UnsubscribeURL + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
	_, err = sg.Send(ctx, msg)
	return err
}

// payerIndexes maps the hub's payer ids of entries to the network's payer
// indexes (customers are CUST-<index> at every vendor).
func payerIndexes(ctx context.Context, h Hub, entries []bundler.Entry) (map[int64]int32, error) {
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.PayerID
	}
	out := make(map[int64]int32, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var rows []struct {
			PayerID    int64
			ExternalID string
		}
		err := h.DB.Gorm.WithContext(ctx).Raw("SELECT DISTINCT payer_id, external_id FROM customers WHERE payer_id IN ?", chunk).
			Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("bench: payers delivered: %w", err)
		}
		for _, r := range rows {
			p, err := strconv.Atoi(strings.TrimPrefix(r.ExternalID, "CUST-"))
			if err != nil {
				return nil, fmt.Errorf("bench: unexpected customer %q", r.ExternalID)
			}
			out[r.PayerID] = int32(p)
		}
	}
	return out, nil
}
