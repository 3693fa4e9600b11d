package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/duehub/duehub/vendors"
)

// copyTable is the scratch copy of invoices the COPY baseline fills: the
// same columns, defaults, CHECK constraints, unique and secondary indexes
// (LIKE … INCLUDING ALL) plus the same two foreign keys, which LIKE does not
// copy. A scratch table rather than invoices itself because the hub's rows
// must stay for the later figures, and a COPY into a table already holding
// the same keys would fail on the unique index.
const copyTable = "bench_invoices_copy"

var copyColumns = []string{"vendor_id", "external_id", "number", "customer_id", "currency", "amount_due",
	"amount_remaining", "issue_date", "due_date", "pay_url", "pdf_url", "status", "memo", "created_at", "updated_at"}

// customerIDs maps each vendor's customers, in network order, to their ids
// in the hub, so the COPY can write the same customer_id the API did.
func customerIDs(ctx context.Context, db querier, n *network, vk vendorKeys) ([][]int64, error) {
	index := make(map[int64]int, len(vk.ids))
	for v, id := range vk.ids {
		index[id] = v
	}
	out := make([][]int64, len(n.vendors))
	for v := range out {
		out[v] = make([]int64, len(n.customers[v]))
	}
	rows, err := db.QueryContext(ctx, "SELECT vendor_id, external_id, id FROM customers")
	if err != nil {
		return nil, fmt.Errorf("bench: load customer ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var vendorID, id int64
		var ext string
		if err := rows.Scan(&vendorID, &ext, &id); err != nil {
			return nil, fmt.Errorf("bench: load customer ids: %w", err)
		}
		v, ok := index[vendorID]
		if !ok {
			continue
		}
		p, err := strconv.Atoi(strings.TrimPrefix(ext, "CUST-"))
		if err != nil {
			return nil, fmt.Errorf("bench: unexpected customer %q", ext)
		}
		cs := n.customers[v]
		// customers[v] is in ascending payer order.
		lo, hi := 0, len(cs)
		for lo < hi {
			mid := (lo + hi) / 2
			if int(cs[mid]) < p {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo < len(cs) && int(cs[lo]) == p {
			out[v][lo] = id
		}
	}
	return out, rows.Err()
}

// copySource streams one worker's vendors' invoices as COPY rows.
type copySource struct {
	n     *network
	vk    vendorKeys
	cust  [][]int64
	vs    []int
	vi, j int
	now   time.Time
	row   []any
	err   error
}

func (s *copySource) Next() bool {
	for s.vi < len(s.vs) && s.j >= s.n.invoices[s.vs[s.vi]] {
		s.vi, s.j = s.vi+1, 0
	}
	if s.vi >= len(s.vs) {
		return false
	}
	v := s.vs[s.vi]
	inv := s.n.invoice(v, s.j)
	s.j++
	cid := s.cust[v][inv.Customer]
	if cid == 0 {
		s.err = fmt.Errorf("bench: customer %d of vendor %d is not in the hub", inv.Payer, v)
		return false
	}
	s.row = []any{s.vk.ids[v], inv.ExternalID, inv.Number, cid, inv.Currency, inv.AmountDue, inv.AmountRemaining,
		inv.Issue.In(time.UTC), inv.Due.In(time.UTC), inv.PayURL, "", vendors.StatusOpen, inv.Memo, s.now, s.now}
	return true
}

func (s *copySource) Values() ([]any, error) { return s.row, nil }
func (s *copySource) Err() error             { return s.err }

// copyReport is the COPY baseline's outcome.
type copyReport struct {
	Rows     int64
	Duration time.Duration
}

// copyBaseline writes the same invoices with pgx CopyFrom into the scratch
// table, with as many concurrent COPY streams as the API had clients.
func copyBaseline(ctx context.Context, pool *pgxpool.Pool, db querier, n *network, vk vendorKeys, streams int) (copyReport, error) {
	setup := []string{
		"DROP TABLE IF EXISTS " + copyTable,
		"CREATE TABLE " + copyTable + " (LIKE invoices INCLUDING ALL)",
		"ALTER TABLE " + copyTable + " ADD FOREIGN KEY (vendor_id) REFERENCES vendors (id), ADD FOREIGN KEY (customer_id) REFERENCES customers (id)",
	}
	for _, q := range setup {
		if _, err := pool.Exec(ctx, q); err != nil {
			return copyReport{}, fmt.Errorf("bench: scratch table: %w", err)
		}
	}
	cust, err := customerIDs(ctx, db, n, vk)
	if err != nil {
		return copyReport{}, err
	}
	now := time.Now().UTC()
	var wg sync.WaitGroup
	counts := make([]int64, streams)
	errs := make([]error, streams)
	start := time.Now()
	for w := range streams {
		src := &copySource{n: n, vk: vk, cust: cust, now: now}
		for v := w; v < len(n.vendors); v += streams {
			src.vs = append(src.vs, v)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[w], errs[w] = pool.CopyFrom(ctx, pgx.Identifier{copyTable}, copyColumns, src)
		}()
	}
	wg.Wait()
	rep := copyReport{Duration: time.Since(start)}
	for w := range streams {
		if errs[w] != nil {
			return rep, fmt.Errorf("bench: copy: %w", errs[w])
		}
		rep.Rows += counts[w]
	}
	return rep, nil
}
