package privacy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/audit"
)

// ErrNoPayer means no payer holds the address or number.
var ErrNoPayer = errors.New("privacy: no payer has this address or number")

// Erased is the word that takes an erased value's place in text.
const Erased = "[erased]"

// Report says what an erasure did.
type Report struct {
	PayerIDs  []int64
	Values    int   // addresses and numbers erased
	Customers int64 // vendors' customer records pseudonymised
	Messages  int64 // thread messages and notes emptied
	Outbox    int64 // outbox messages deleted
	Swept     int64 // other rows where a value was found and replaced
}

// Eraser erases payers.
type Eraser struct {
	db  *gorm.DB
	now func() time.Time
}

// NewEraser returns an eraser on db; now is the clock.
func NewEraser(db *gorm.DB, now func() time.Time) *Eraser {
	if now == nil {
		now = time.Now
	}
	return &Eraser{db: db, now: now}
}

// Erase removes every payer holding the contact (kind "email" or "phone",
// value normalised) from the hub: their contacts; their names on every
// vendor's customer record (which become "Erased payer P<id>", so vendors'
// invoices keep their amounts, dates and numbers under a pseudonym); the
// messages of their threads, their emailed replies and attachments, the
// outbox messages sent to them; the addresses in digests, delivery logs,
// events and everywhere else a text column holds one. Suppressions of
// their addresses stay, reduced to a hash. It all happens in one
// transaction with its audit row (address masked).
func (e *Eraser) Erase(ctx context.Context, kind, value string) (Report, error) {
	var rep Report
	now := e.now().UTC()
	err := e.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		col := "email"
		if kind == "phone" {
			col = "phone"
		}
		if err := tx.Raw(`SELECT payer_id FROM payer_contacts WHERE kind = ? AND value = ?
UNION SELECT payer_id FROM customers WHERE `+col+` = ? ORDER BY 1`, kind, value, value).Scan(&rep.PayerIDs).Error; err != nil {
			return err
		}
		if len(rep.PayerIDs) == 0 {
			return ErrNoPayer
		}
		ids := rep.PayerIDs
		values, err := contactsOf(tx, ids, value)
		if err != nil {
			return err
		}
		rep.Values = len(values)
		if err := e.eraseKnown(tx, ids, values, &rep); err != nil {
			return err
		}
		if rep.Swept, err = sweep(ctx, tx, values); err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO plan_invalidations (payer_id) SELECT id FROM payers WHERE id IN ? ON CONFLICT DO NOTHING`, ids).Error; err != nil {
			return err
		}
		idText := make([]string, len(ids))
		for i, id := range ids {
			idText[i] = strconv.FormatInt(id, 10)
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: audit.PayerErased, TargetType: "payer",
			TargetID: strings.Join(idText, ","), Target: kind + " " + audit.Mask(value),
			Detail: fmt.Sprintf("%d contacts, %d customer records, %d messages, %d outbox messages, %d other rows",
				rep.Values, rep.Customers, rep.Messages, rep.Outbox, rep.Swept)})
	})
	if errors.Is(err, ErrNoPayer) {
		return Report{}, err
	}
	if err != nil {
		return Report{}, fmt.Errorf("privacy: erase: %w", err)
	}
	return rep, nil
}

// contactsOf returns every address and number of the payers, the given one
// included.
func contactsOf(tx *gorm.DB, ids []int64, value string) ([]string, error) {
	var rows []string
	err := tx.Raw(`SELECT value FROM payer_contacts WHERE payer_id IN ?
UNION SELECT email FROM customers WHERE payer_id IN ? AND email <> ''
UNION SELECT phone FROM customers WHERE payer_id IN ? AND phone <> ''`, ids, ids, ids).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{value: true}
	out := []string{value}
	for _, v := range rows {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// eraseKnown clears the tables whose rows are known to hold the payer.
func (e *Eraser) eraseKnown(tx *gorm.DB, ids []int64, values []string, rep *Report) error {
	steps := []struct {
		sql  string
		args []any
		n    *int64
	}{
		{`DELETE FROM payer_contacts WHERE payer_id IN ?`, []any{ids}, nil},
		{`DELETE FROM otp_codes WHERE payer_id IN ?`, []any{ids}, nil},
		{`UPDATE customers SET name = 'Erased payer P' || CAST(payer_id AS TEXT), email = '', phone = '',
			sms_consent = FALSE, sms_consent_source = '' WHERE payer_id IN ?`, []any{ids}, &rep.Customers},
		{`UPDATE payers SET key = 'erased:' || CAST(id AS TEXT), name = '', calendar_token_hash = '',
			email_enabled = FALSE, sms_enabled = FALSE, token_generation = token_generation + 1 WHERE id IN ?`, []any{ids}, nil},
		{`UPDATE thread_messages SET body = '` + Erased + `' WHERE thread_id IN (SELECT id FROM threads WHERE payer_id IN ?)`, []any{ids}, &rep.Messages},
		{`UPDATE thread_notes SET body = '` + Erased + `' WHERE thread_id IN (SELECT id FROM threads WHERE payer_id IN ?)`, []any{ids}, nil},
		{`DELETE FROM reply_attachments WHERE reply_id IN (SELECT id FROM inbound_replies WHERE payer_id IN ? OR from_addr IN ?)`, []any{ids, values}, nil},
		{`UPDATE inbound_replies SET from_addr = '', subject = '', body = '' WHERE payer_id IN ? OR from_addr IN ?`, []any{ids, values}, nil},
		{`UPDATE digests SET recipients = '', subject = '', last_error = '', delivery = '' WHERE payer_id IN ?`, []any{ids}, nil},
		{`UPDATE delivery_attempts SET error = '' WHERE digest_id IN (SELECT id FROM digests WHERE payer_id IN ?)`, []any{ids}, nil},
		{`UPDATE payment_reports SET reference = '' WHERE payer_id IN ?`, []any{ids}, nil},
	}
	for _, s := range steps {
		res := tx.Exec(s.sql, s.args...)
		if res.Error != nil {
			return res.Error
		}
		if s.n != nil {
			*s.n += res.RowsAffected
		}
	}
	for _, v := range values {
		like := "%" + likeEscape(v) + "%"
		res := tx.Exec(`DELETE FROM outbox_messages WHERE to_addrs LIKE ? ESCAPE '\' OR cc_addrs LIKE ? ESCAPE '\' OR bcc_addrs LIKE ? ESCAPE '\'`, like, like, like)
		if res.Error != nil {
			return res.Error
		}
		rep.Outbox += res.RowsAffected
		// A suppression outlives the address: kept as a hash, it still says
		// a complaint happened, without saying by whom.
		sum := sha256.Sum256([]byte(v))
		if err := tx.Exec(`UPDATE suppressions SET address = ?, detail = '' WHERE address = ?`, "erased:"+hex.EncodeToString(sum[:]), v).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM rate_limits WHERE bucket LIKE ? ESCAPE '\'`, like).Error; err != nil {
			return err
		}
		// Stored API responses (bytes) may repeat the customer's contact.
		blob := `CAST(response AS TEXT) LIKE ? ESCAPE '\'`
		arg := any(like)
		if tx.Dialector.Name() == "postgres" {
			blob, arg = `position(convert_to(?, 'UTF8') in response) > 0`, v
		}
		if err := tx.Exec(`DELETE FROM idempotency_keys WHERE `+blob, arg).Error; err != nil {
			return err
		}
	}
	return nil
}

// sweep replaces every value left in any text column of any table (the
// audit log, which never holds one, and the migration table excepted).
func sweep(ctx context.Context, tx *gorm.DB, values []string) (int64, error) {
	cols, err := TextColumns(ctx, tx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range cols {
		if c.Table == "audit_log" || c.Table == "goose_db_version" {
			continue
		}
		for _, v := range values {
			expr := quote(c.Name)
			set := `REPLACE(` + expr + `, ?, '` + Erased + `')`
			if c.JSON {
				expr += "::text"
				set = `REPLACE(` + expr + `, ?, '` + Erased + `')::` + jsonType(tx, c)
			}
			res := tx.Exec(`UPDATE `+quote(c.Table)+` SET `+quote(c.Name)+` = `+set+` WHERE `+expr+` LIKE ? ESCAPE '\'`,
				v, "%"+likeEscape(v)+"%")
			if res.Error != nil {
				return n, fmt.Errorf("sweep %s.%s: %w", c.Table, c.Name, res.Error)
			}
			n += res.RowsAffected
		}
	}
	return n, nil
}

func jsonType(tx *gorm.DB, c Column) string {
	var t string
	tx.Raw(`SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`,
		c.Table, c.Name).Scan(&t)
	if t == "json" {
		return "json"
	}
	return "jsonb"
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
