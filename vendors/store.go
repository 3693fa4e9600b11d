package vendors

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"
)

// PayerContact is a customer's normalised AP contact, as the payer network
// needs it to find or create the payer.
type PayerContact struct {
	Email string // normalised, or ""
	Phone string // E.164, or ""
}

// PayerLinker finds or creates the network payer for each contact, inside the
// caller's transaction, returning payer IDs in the order of contacts.
// The payers package implements it; vendors never sees payers otherwise.
type PayerLinker interface {
	LinkPayers(ctx context.Context, tx *gorm.DB, contacts []PayerContact) ([]int64, error)
}

// Store reads and writes vendor-owned data.
type Store struct {
	db     *gorm.DB
	payers PayerLinker
	now    func() time.Time
	// secrets seals webhook signing secrets (see UseSecretKey).
	secrets *secretBox
	// sandboxes remembers which vendor ids are test-mode sandboxes (issue 15).
	sandboxes sync.Map
	// paidChanged, when set, hears of pushes that may have made, changed or
	// unmade paid invoices (OnPaidChanged).
	paidChanged func(vendorID int64)
}

// OnPaidChanged sets fn to be called, after the push commits, with the
// vendor of every push that created a paid invoice or updated any invoice
// (which may have been paid): the analytics roll the vendor's months up
// again soon after (analytics.Warmer). fn must not block. Set it before
// the store is used.
func (s *Store) OnPaidChanged(fn func(vendorID int64)) { s.paidChanged = fn }

// NewStore returns a Store. now is the clock (time.Now in production).
func NewStore(db *gorm.DB, payers PayerLinker, now func() time.Time) *Store {
	return &Store{db: db, payers: payers, now: now}
}

func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
