package risk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/civil"
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

// history reads the vendor's history; with customers, only theirs.
func (s *Store) history(ctx context.Context, vendorID int64, customers []int64) (History, error) {
	db := s.db.WithContext(ctx)
	var h History
	var rows []struct {
		ID, CustomerID int64
		Currency       string
		AmountDue      int64
		IssueDate      civil.Date
		DueDate        civil.Date
		PaidAt         *time.Time
		CreatedAt      time.Time
	}
	q := db.Table("invoices").Select("id, customer_id, currency, amount_due, issue_date, due_date, paid_at, created_at").
		Where("vendor_id = ? AND status <> 'void'", vendorID)
	if customers != nil {
		q = q.Where("customer_id IN ?", customers)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return h, fmt.Errorf("risk: read invoices: %w", err)
	}
	h.Invoices = make([]Invoice, len(rows))
	for i, r := range rows {
		inv := Invoice{ID: r.ID, CustomerID: r.CustomerID, Currency: r.Currency, Amount: r.AmountDue, Issue: r.IssueDate, Due: r.DueDate}
		if inv.Issue.IsZero() {
			// No issue date pushed: the day the hub first saw it.
			inv.Issue = civil.Of(r.CreatedAt.UTC())
		}
		if r.PaidAt != nil {
			inv.Paid = civil.Of(r.PaidAt.UTC())
		}
		h.Invoices[i] = inv
	}
	var holds []struct {
		CustomerID int64
		Kind       string
		CreatedAt  time.Time
		ReleasedAt *time.Time
		BrokenAt   *time.Time
	}
	hq := db.Table("holds h").Select("i.customer_id, h.kind, h.created_at, h.released_at, h.broken_at").
		Joins("JOIN invoices i ON i.id = h.invoice_id").
		Where("h.vendor_id = ? AND i.vendor_id = ? AND (h.kind = 'dispute' OR h.broken_at IS NOT NULL)", vendorID, vendorID)
	if customers != nil {
		hq = hq.Where("i.customer_id IN ?", customers)
	}
	if err := hq.Scan(&holds).Error; err != nil {
		return h, fmt.Errorf("risk: read holds: %w", err)
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
	return h, nil
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
func (s *Store) Retrain(ctx context.Context, vendorID int64) (Model, error) {
	h, err := s.history(ctx, vendorID, nil)
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
	return m, s.scoreOpen(ctx, vendorID, m, h)
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

// scoreOpen replaces the stored scores of the vendor's open invoices.
func (s *Store) scoreOpen(ctx context.Context, vendorID int64, m Model, h History) error {
	var open []int64
	err := s.db.WithContext(ctx).Table("invoices").Where("vendor_id = ? AND status = 'open' AND amount_remaining > 0", vendorID).
		Pluck("id", &open).Error
	if err != nil {
		return fmt.Errorf("risk: open invoices: %w", err)
	}
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
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("vendor_id = ?", vendorID).Delete(&scoreRow{}).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.CreateInBatches(rows, 500).Error
	})
	if err != nil {
		return fmt.Errorf("risk: save scores: %w", err)
	}
	return nil
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
	h, err := s.history(ctx, vendorID, customers)
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
