package threads

import (
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/payers"
)

// Store keeps threads in the hub's database.
type Store struct {
	db     *gorm.DB
	now    func() time.Time
	payers *payers.Store
}

// NewStore returns a Store; payers is where a thread's payer is read and
// its activity recorded. now is the clock.
func NewStore(db *gorm.DB, payers *payers.Store, now func() time.Time) *Store {
	return &Store{db: db, payers: payers, now: now}
}
