package risk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
)

// Store keeps each vendor's model and the scores of its open invoices.
// Every method takes the vendor: a vendor's model is trained on, and
// scores read, that vendor's rows only.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a Store over db with the clock now.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, now: now}
}

// today is the day scores are computed for: the UTC date of now.
func (s *Store) today() civil.Date { return civil.Of(s.now().UTC()) }

// historyChunk is how many rows one read of a vendor's history returns.
// On SQLite the pool has one connection (database.Open): a read holds it,
// and every other statement, a push's writes included, waits until its
// last row is scanned. Reading a vendor's history in chunks by id lets
// them in between. A variable so that tests can make it small.
var historyChunk = 500

// history reads the vendor's history, historyChunk rows at a time; with
// customers, only theirs. open are the ids of its invoices that were open
// with something remaining when read.
func (s *Store) history(ctx context.Context, vendorID int64, customers []int64) (h History, open []int64, err error) {
	db := s.db.WithContext(ctx)
	type invoiceRow struct {
		ID, CustomerID  int64
		Currency        string
		AmountDue       int64
		AmountRemaining int64
		Status          string
		IssueDate       civil.Date
		DueDate         civil.Date
		PaidAt          *time.Time
		CreatedAt       time.Time
	}
	// Chunks follow the (vendor_id, due_date) index, id breaking ties: an
	// id keyset made each chunk search and sort all the vendor's invoices
	// again on SQLite. An invoice whose due date changes while it is read
	// may come twice; it is kept once.
	var rows []invoiceRow
	seen := map[int64]bool{}
	var afterDue civil.Date
	var afterID int64
	for {
		rows = rows[:0]
		q := db.Table("invoices").Select("id, customer_id, currency, amount_due, amount_remaining, status, issue_date, due_date, paid_at, created_at").
			Where("vendor_id = ? AND status <> 'void'", vendorID)
		if afterID != 0 {
			q = q.Where("(due_date, id) > (?, ?)", afterDue, afterID)
		}
		if customers != nil {
			q = q.Where("customer_id IN ?", customers)
		}
		if err := q.Order("due_date, id").Limit(historyChunk).Scan(&rows).Error; err != nil {
			return h, nil, fmt.Errorf("risk: read invoices: %w", err)
		}
		for _, r := range rows {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			inv := Invoice{ID: r.ID, CustomerID: r.CustomerID, Currency: r.Currency, Amount: r.AmountDue, Issue: r.IssueDate, Due: r.DueDate}
			if inv.Issue.IsZero() {
				// No issue date pushed: the day the hub first saw it.
				inv.Issue = civil.Of(r.CreatedAt.UTC())
			}
			if r.PaidAt != nil {
				inv.Paid = civil.Of(r.PaidAt.UTC())
			}
			h.Invoices = append(h.Invoices, inv)
			if r.Status == "open" && r.AmountRemaining > 0 {
				open = append(open, r.ID)
			}
		}
		if len(rows) < historyChunk {
			break
		}
		afterDue, afterID = rows[len(rows)-1].DueDate, rows[len(rows)-1].ID
	}
	type holdRow struct {
		ID         int64
		CustomerID int64
		Kind       string
		CreatedAt  time.Time
		ReleasedAt *time.Time
		BrokenAt   *time.Time
	}
	var holds []holdRow
	for after := int64(0); ; {
		holds = holds[:0]
		hq := db.Table("holds h").Select("h.id, i.customer_id, h.kind, h.created_at, h.released_at, h.broken_at").
			Joins("JOIN invoices i ON i.id = h.invoice_id").
			Where("h.vendor_id = ? AND i.vendor_id = ? AND (h.kind = 'dispute' OR h.broken_at IS NOT NULL) AND h.id > ?", vendorID, vendorID, after)
		if customers != nil {
			hq = hq.Where("i.customer_id IN ?", customers)
		}
		if err := hq.Order("h.id").Limit(historyChunk).Scan(&holds).Error; err != nil {
			return h, nil, fmt.Errorf("risk: read holds: %w", err)
		}
		for _, x := range holds {
			if x.Kind == "dispute" {
				d := Dispute{CustomerID: x.CustomerID, From: civil.Of(x.CreatedAt.UTC())}
				if x.ReleasedAt != nil {
					d.To = civil.Of(x.ReleasedAt.UTC())
				}
				h.Disputes = append(h.Disputes, d)
			}
			if x.BrokenAt != nil {
				h.Broken = append(h.Broken, Broken{CustomerID: x.CustomerID, At: civil.Of(x.BrokenAt.UTC())})
			}
		}
		if len(holds) < historyChunk {
			break
		}
		after = holds[len(holds)-1].ID
	}
	return h, open, nil
}

type modelRow struct {
	VendorID  int64 `gorm:"primaryKey"`
	Kind      string
	Model     string
	Invoices  int
	Late      int
	TrainedAt time.Time
}

func (modelRow) TableName() string { return "risk_models" }

// Model returns the vendor's stored model; a vendor never trained has a
// KindNone model.
func (s *Store) Model(ctx context.Context, vendorID int64) (Model, error) {
	var row modelRow
	err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Model{Kind: KindNone}, nil
	}
	if err != nil {
		return Model{}, fmt.Errorf("risk: read model: %w", err)
	}
	var m Model
	if err := json.Unmarshal([]byte(row.Model), &m); err != nil {
		return Model{}, fmt.Errorf("risk: model of vendor %d: %w", vendorID, err)
	}
	return m, nil
}

// Retrain trains the vendor's model on its whole history, stores it, and
// scores its open invoices.
//
// Nothing here holds the database for long: on SQLite, whose one
// connection every writer shares, a retraining that read the history in
// one statement and replaced the scores in one transaction kept pushes
// waiting for seconds (BENCHMARKS.md). The history is read in chunks
// (history), trained on in memory with no connection held, and the scores
// are written one multi-row statement at a time, each its own short
// transaction: an upsert of the new scores, then the removal of the scores
// of invoices no longer open. A reader in between sees each invoice's old
// score or its new one, never none.
func (s *Store) Retrain(ctx context.Context, vendorID int64) (Model, error) {
	h, open, err := s.history(ctx, vendorID, nil)
	if err != nil {
		return Model{}, err
	}
	m := Train(h, s.today(), s.now())
	js, err := json.Marshal(m)
	if err != nil {
		return Model{}, err
	}
	row := modelRow{VendorID: vendorID, Kind: m.Kind, Model: string(js), Invoices: m.Invoices, Late: m.Late, TrainedAt: m.TrainedAt}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("vendor_id = ?", vendorID).Delete(&modelRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return Model{}, fmt.Errorf("risk: save model: %w", err)
	}
	return m, s.scoreOpen(ctx, vendorID, m, h, open)
}

type scoreRow struct {
	InvoiceID   int64 `gorm:"primaryKey"`
	VendorID    int64
	Probability *float64
	Level       string
	Reasons     string
	Model       string
	ScoredAt    time.Time
}

func (scoreRow) TableName() string { return "invoice_risks" }

// scoreOpen scores the vendor's open invoices (open, ids from h) and
// replaces their stored scores, database.RowsPerStatement rows a
// statement, then removes the scores of the vendor's invoices that are no
// longer open, as many a statement.
func (s *Store) scoreOpen(ctx context.Context, vendorID int64, m Model, h History, open []int64) error {
	isOpen := make(map[int64]bool, len(open))
	for _, id := range open {
		isOpen[id] = true
	}
	sc := NewScorer(m, h)
	today, now := s.today(), s.now().UTC()
	rows := make([]scoreRow, 0, len(open))
	for _, inv := range h.Invoices {
		if !isOpen[inv.ID] {
			continue
		}
		r := sc.Score(inv, today)
		reasons, _ := json.Marshal(r.Reasons)
		rows = append(rows, scoreRow{InvoiceID: inv.ID, VendorID: vendorID, Probability: r.Probability, Level: r.Level,
			Reasons: string(reasons), Model: r.Model, ScoredAt: now})
	}
	db := s.db.WithContext(ctx)
	per := database.RowsPerStatementOf(db, &scoreRow{})
	upsert := clause.OnConflict{Columns: []clause.Column{{Name: "invoice_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"vendor_id", "probability", "level", "reasons", "model", "scored_at"})}
	for from := 0; from < len(rows); from += per {
		chunk := rows[from:min(len(rows), from+per)]
		if err := db.Clauses(upsert).Create(&chunk).Error; err != nil {
			return fmt.Errorf("risk: save scores: %w", err)
		}
	}
	for {
		res := db.Exec(`DELETE FROM invoice_risks WHERE invoice_id IN (
SELECT r.invoice_id FROM invoice_risks r JOIN invoices i ON i.id = r.invoice_id
WHERE r.vendor_id = ? AND NOT (i.status = 'open' AND i.amount_remaining > 0) LIMIT ?)`, vendorID, per)
		if res.Error != nil {
			return fmt.Errorf("risk: remove old scores: %w", res.Error)
		}
		if res.RowsAffected < int64(per) {
			return nil
		}
	}
}

// RetrainAll retrains every vendor, one after another; one vendor's
// failure does not stop the others.
func (s *Store) RetrainAll(ctx context.Context) (int, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Table("vendors").Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("risk: vendors: %w", err)
	}
	var errs []error
	done := 0
	for _, id := range ids {
		if _, err := s.Retrain(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("vendor %d: %w", id, err))
			continue
		}
		done++
	}
	return done, errors.Join(errs...)
}

// Scored is an open invoice's risk as the vendor's pages and API show it.
type Scored struct {
	InvoiceID int64
	Risk
	ScoredAt time.Time
}

// Risks returns the risk of each of the vendor's open invoices ids: the
// stored score, or for an invoice pushed since the last scoring, one
// computed now from the stored model and its customer's history (reads
// only; nothing is written).
func (s *Store) Risks(ctx context.Context, vendorID int64, ids []int64) (map[int64]Risk, error) {
	out := make(map[int64]Risk, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []scoreRow
	if err := s.db.WithContext(ctx).Where("vendor_id = ? AND invoice_id IN ?", vendorID, ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("risk: read scores: %w", err)
	}
	for _, r := range rows {
		out[r.InvoiceID] = r.risk()
	}
	var missing []int64
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	var customers []int64
	err := s.db.WithContext(ctx).Table("invoices").Distinct("customer_id").
		Where("vendor_id = ? AND id IN ?", vendorID, missing).Pluck("customer_id", &customers).Error
	if err != nil {
		return nil, fmt.Errorf("risk: customers: %w", err)
	}
	m, err := s.Model(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	h, _, err := s.history(ctx, vendorID, customers)
	if err != nil {
		return nil, err
	}
	want := make(map[int64]bool, len(missing))
	for _, id := range missing {
		want[id] = true
	}
	sc, today := NewScorer(m, h), s.today()
	for _, inv := range h.Invoices {
		if want[inv.ID] {
			out[inv.ID] = sc.Score(inv, today)
		}
	}
	return out, nil
}

func (r scoreRow) risk() Risk {
	var reasons []string
	_ = json.Unmarshal([]byte(r.Reasons), &reasons)
	if reasons == nil {
		reasons = []string{}
	}
	return Risk{Probability: r.Probability, Level: r.Level, Reasons: reasons, Model: r.Model}
}
