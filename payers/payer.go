package payers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/vendors"
)

// Payer is one AP team on the network, keyed by its normalised contact.
type Payer struct {
	ID       int64
	Key      string // "email:ap@acme.example" or "phone:+15551230000"
	Name     string
	Timezone string // IANA; empty means derived from the phone, else UTC
	// Locale is how days are written for the payer (locale.Supported);
	// empty means not chosen: the default, "1 Dec 2026".
	Locale string
	// The digest schedule: cadence rhythm | smart | weekly | daily | payment_run.
	Cadence          string
	Weekday          int    // weekly: 0 = Sunday
	RunDays          string // payment_run: comma-separated days of month
	SendHour         int
	SendMinute       int
	MinIntervalHours int
	EmailEnabled     bool
	SMSEnabled       bool `gorm:"column:sms_enabled"`
	PausedUntil      *time.Time
	LastActionAt     *time.Time
	// RhythmWeekday and RhythmHour are the payer-local weekday and hour
	// the payer acts on most (LearnRhythm); nil until learned.
	RhythmWeekday *int
	RhythmHour    *int
	// UrgentEnabled allows the short "due now" message between two regular
	// digests.
	UrgentEnabled bool
	// TokenGeneration is carried by every link, SMS short link and session
	// of the payer; signing out everywhere bumps it, so everything issued
	// before is refused, whatever the clock says. TokensValidAfter records
	// when that last happened.
	TokenGeneration  int64
	TokensValidAfter *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Contact is an address a payer is reached at.
type Contact struct {
	ID        int64
	PayerID   int64
	Kind      string // email | phone
	Value     string
	Role      string // to | cc | bcc
	CreatedAt time.Time
}

func (Contact) TableName() string { return "payer_contacts" }

// Store reads and writes payers.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a Store. now is the clock.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, now: now}
}

// KeyOf is the network identity of a customer's contact: its email when it
// has one, else its phone.
func KeyOf(c vendors.PayerContact) string {
	if c.Email != "" {
		return "email:" + c.Email
	}
	return "phone:" + c.Phone
}

// LinkPayers finds or creates the payer of each contact and records the
// contact's addresses on it, with a fixed number of statements whatever the
// number of contacts. It implements vendors.PayerLinker.
//
// The email comes first: a contact with an email joins the payer of that
// address. A phone-only contact joins the payer that already holds its
// number, whatever that payer's key, else the payer of the number. A number
// belongs to one payer only (a unique index on phone contacts): an email
// contact whose number another payer holds joins its email's payer without
// the number, so one phone never gets two SMS streams.
func (s *Store) LinkPayers(ctx context.Context, tx *gorm.DB, contacts []vendors.PayerContact) ([]int64, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	tx = tx.WithContext(ctx)
	var phones []string
	for _, c := range contacts {
		if c.Phone != "" {
			phones = append(phones, c.Phone)
		}
	}
	owners, err := phoneOwners(tx, phones)
	if err != nil {
		return nil, err
	}
	// A phone-only contact whose number comes with an email in this same
	// push joins that email's payer, as it would had the email come first.
	emailOfPhone := make(map[string]string)
	for _, c := range contacts {
		if c.Email != "" && c.Phone != "" && emailOfPhone[c.Phone] == "" {
			emailOfPhone[c.Phone] = c.Email
		}
	}
	keyOf := func(c vendors.PayerContact) string {
		if c.Email == "" && emailOfPhone[c.Phone] != "" {
			return "email:" + emailOfPhone[c.Phone]
		}
		return KeyOf(c)
	}
	keys := make([]string, 0, len(contacts))
	fresh := make([]Payer, 0, len(contacts))
	seen := make(map[string]bool, len(contacts))
	for _, c := range contacts {
		if c.Email == "" && owners[c.Phone] != 0 {
			continue
		}
		k := keyOf(c)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
			fresh = append(fresh, Payer{Key: k, Cadence: "rhythm", UrgentEnabled: true, Weekday: 1, SendHour: 9, MinIntervalHours: 72,
				EmailEnabled: true, SMSEnabled: true, CreatedAt: now, UpdatedAt: now})
		}
	}
	// Insert in key order so concurrent pushes cannot deadlock on PostgreSQL.
	slices.SortFunc(fresh, func(a, b Payer) int { return strings.Compare(a.Key, b.Key) })
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&fresh, database.RowsPerStatementOf(tx, &Payer{})).Error; err != nil {
		return nil, fmt.Errorf("payers: create payers: %w", err)
	}
	var rows []Payer
	if len(keys) > 0 {
		if err := tx.Select("id", "key").Where("key IN ?", keys).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("payers: load payers: %w", err)
		}
	}
	byKey := make(map[string]int64, len(rows))
	for _, p := range rows {
		byKey[p.Key] = p.ID
	}
	ids := make([]int64, len(contacts))
	var addrs []Contact
	added := make(map[Contact]bool)
	for i, c := range contacts {
		ids[i] = owners[c.Phone]
		if c.Email != "" || ids[i] == 0 {
			ids[i] = byKey[keyOf(c)]
		}
		for _, a := range []Contact{{PayerID: ids[i], Kind: "email", Value: c.Email}, {PayerID: ids[i], Kind: "phone", Value: c.Phone}} {
			if a.Value != "" && !added[a] {
				added[a] = true
				a.Role, a.CreatedAt = "to", now
				addrs = append(addrs, a)
			}
		}
	}
	// Sorted by address, so that concurrent pushes take the unique phone
	// index's entries in one order. A number another payer already holds
	// (or that a concurrent push just took) is skipped here.
	slices.SortFunc(addrs, func(a, b Contact) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Value, b.Value), cmp.Compare(a.PayerID, b.PayerID))
	})
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&addrs, database.RowsPerStatementOf(tx, &Contact{})).Error; err != nil {
		return nil, fmt.Errorf("payers: add contacts: %w", err)
	}
	// A phone-only contact ends with the payer its number belongs to now:
	// when a concurrent push won the number, that is the other payer.
	if owners, err = phoneOwners(tx, phones); err != nil {
		return nil, err
	}
	for i, c := range contacts {
		if c.Email == "" && owners[c.Phone] != 0 {
			ids[i] = owners[c.Phone]
		}
	}
	return ids, nil
}

// phoneOwners returns the payer holding each of the numbers that one holds.
func phoneOwners(tx *gorm.DB, phones []string) (map[string]int64, error) {
	owners := make(map[string]int64, len(phones))
	if len(phones) == 0 {
		return owners, nil
	}
	var held []Contact
	if err := tx.Select("payer_id", "value").Where("kind = 'phone' AND value IN ?", phones).Find(&held).Error; err != nil {
		return nil, fmt.Errorf("payers: phone owners: %w", err)
	}
	for _, c := range held {
		owners[c.Value] = c.PayerID
	}
	return owners, nil
}

// SetChannel turns digests on one channel ("email" or "sms") on or off.
func (s *Store) SetChannel(ctx context.Context, payerID int64, channel string, enabled bool) error {
	col := map[string]string{"email": "email_enabled", "sms": "sms_enabled"}[channel]
	if col == "" {
		return fmt.Errorf("payers: unknown channel %q", channel)
	}
	err := s.db.WithContext(ctx).Model(&Payer{}).Where("id = ?", payerID).
		Updates(map[string]any{col: enabled, "updated_at": s.now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("payers: set channel: %w", err)
	}
	return nil
}

// ShortLink is what an SMS short-link token stands for.
type ShortLink struct {
	PayerID  int64
	DigestID int64
	// Generation is the payer's token generation the session it opens
	// carries.
	Generation int64
}

// ResolveShortLink returns what an SMS short-link token stands for, if it
// has not expired and its payer has not signed out everywhere since it was
// made. Anything else is ErrNotFound.
func (s *Store) ResolveShortLink(ctx context.Context, token string, now time.Time) (ShortLink, error) {
	var row ShortLink
	res := s.db.WithContext(ctx).Table("short_links sl").
		Select("sl.payer_id", "sl.digest_id", "sl.generation").
		Joins("JOIN payers p ON p.id = sl.payer_id AND p.token_generation = sl.generation").
		Where("sl.token = ? AND sl.expires_at > ?", token, now.UTC()).Limit(1).Scan(&row)
	if res.Error != nil {
		return ShortLink{}, fmt.Errorf("payers: short link: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ShortLink{}, ErrNotFound
	}
	return row, nil
}
