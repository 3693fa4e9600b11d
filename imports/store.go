package imports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/vendors"
)

// Store keeps each vendor's saved mapping and its import runs; every method
// takes the vendor ID.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a Store; now is the clock.
func NewStore(db *gorm.DB, now func() time.Time) *Store { return &Store{db: db, now: now} }

type mappingRow struct {
	VendorID  int64 `gorm:"primaryKey"`
	Mapping   string
	UpdatedAt time.Time
}

func (mappingRow) TableName() string { return "import_mappings" }

// SaveMapping stores the vendor's mapping, replacing the previous one.
func (s *Store) SaveMapping(ctx context.Context, vendorID int64, m Mapping) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	row := mappingRow{VendorID: vendorID, Mapping: string(raw), UpdatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "vendor_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"mapping", "updated_at"})}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("imports: save mapping: %w", err)
	}
	return nil
}

// Mapping returns the vendor's saved mapping, or nil when it has none.
func (s *Store) Mapping(ctx context.Context, vendorID int64) (Mapping, error) {
	var row mappingRow
	err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("imports: mapping: %w", err)
	}
	var m Mapping
	if err := json.Unmarshal([]byte(row.Mapping), &m); err != nil {
		return nil, fmt.Errorf("imports: stored mapping of vendor %d: %w", vendorID, err)
	}
	return m, nil
}

// ImportRun is one import of a file: what it did, and its error report.
type ImportRun struct {
	ID        int64
	VendorID  int64
	MemberID  *int64
	Filename  string
	RowsTotal int64
	Created   int64
	Updated   int64
	Unchanged int64
	Errors    int64
	ErrorCSV  string `gorm:"column:error_csv"`
	// TestMode: the rows went to the vendor's test-mode sandbox, where no
	// payer is reached, not to its live invoices.
	TestMode  bool
	CreatedAt time.Time
}

// SaveRun records a finished import of the vendor (the live vendor, also
// for an import into its sandbox, which testMode says).
func (s *Store) SaveRun(ctx context.Context, vendorID int64, memberID int64, filename string, c Counts, report string, testMode bool) (ImportRun, error) {
	r := ImportRun{VendorID: vendorID, Filename: filename, TestMode: testMode, RowsTotal: int64(c.Rows), Created: int64(c.Created), Updated: int64(c.Updated),
		Unchanged: int64(c.Unchanged), Errors: int64(c.Errors), ErrorCSV: report, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if memberID > 0 {
		r.MemberID = &memberID
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return ImportRun{}, fmt.Errorf("imports: save run: %w", err)
	}
	return r, nil
}

// Run returns one import of the vendor; another vendor's is vendors.ErrNotFound.
func (s *Store) Run(ctx context.Context, vendorID, id int64) (ImportRun, error) {
	var r ImportRun
	err := s.db.WithContext(ctx).Where("id = ? AND vendor_id = ?", id, vendorID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ImportRun{}, vendors.ErrNotFound
	}
	if err != nil {
		return ImportRun{}, fmt.Errorf("imports: run: %w", err)
	}
	return r, nil
}

// Runs returns the vendor's latest imports, newest first, without reports.
func (s *Store) Runs(ctx context.Context, vendorID int64, limit int) ([]ImportRun, error) {
	var rs []ImportRun
	err := s.db.WithContext(ctx).Omit("error_csv").Where("vendor_id = ?", vendorID).Order("id DESC").Limit(limit).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("imports: runs: %w", err)
	}
	return rs, nil
}
