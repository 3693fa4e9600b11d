package payers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Suppression reasons.
const (
	SuppressBounce      = "bounce"
	SuppressComplaint   = "spamreport"
	SuppressUnsubscribe = "unsubscribe"
	SuppressSMSStop     = "sms_stop"
	SuppressInvalid     = "invalid"
)

// SuppressionLabel is a suppression reason as a vendor's team reads it
// ("Bounced", not "bounce"), in the vendor inbox and team emails alike.
func SuppressionLabel(reason string) string {
	switch reason {
	case SuppressBounce:
		return "Bounced"
	case SuppressComplaint:
		return "Marked as spam"
	case SuppressUnsubscribe:
		return "Unsubscribed"
	case SuppressSMSStop:
		return "Replied STOP"
	case SuppressInvalid:
		return "Invalid address"
	case SuppressPayerOptOut:
		return "Turned off by the customer"
	}
	return "Cannot be reached"
}

// Suppression is an address or number nothing may be sent to again.
type Suppression struct {
	ID        int64
	Channel   string // email | sms
	Address   string
	Reason    string
	Detail    string
	CreatedAt time.Time
}

// Suppress records that address must get nothing more on channel. Doing it
// twice keeps the first reason. The vendors whose customers use the address
// are told (contact.bounced or contact.unsubscribed).
func (s *Store) Suppress(ctx context.Context, channel, address, reason, detail string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return suppressIn(tx, channel, address, reason, detail, s.now().UTC())
	})
	if err != nil {
		return fmt.Errorf("payers: %w", err)
	}
	return nil
}

// Unsuppress lifts a suppression (an SMS START after STOP).
func (s *Store) Unsuppress(ctx context.Context, channel, address string) error {
	err := s.db.WithContext(ctx).Where("channel = ? AND address = ?", channel, address).Delete(&Suppression{}).Error
	if err != nil {
		return fmt.Errorf("payers: unsuppress: %w", err)
	}
	return nil
}

// Recipients are where a payer's digest goes on each channel, suppressed
// addresses removed. SMS numbers are only those with recorded consent.
type Recipients struct {
	To, CC, BCC []string
	SMS         []string
}

// Recipients returns the payer's live recipients.
func (s *Store) Recipients(ctx context.Context, payerID int64) (Recipients, error) {
	var contacts []Contact
	err := s.db.WithContext(ctx).Where(`payer_id = ? AND NOT EXISTS (SELECT 1 FROM suppressions s
		WHERE s.channel = (CASE WHEN payer_contacts.kind = 'phone' THEN 'sms' ELSE 'email' END) AND s.address = payer_contacts.value)`, payerID).
		Order("id").Find(&contacts).Error
	if err != nil {
		return Recipients{}, fmt.Errorf("payers: recipients: %w", err)
	}
	var consented []string
	err = s.db.WithContext(ctx).Table("customers").Distinct("phone").
		Where("payer_id = ? AND sms_consent AND phone <> ''", payerID).Pluck("phone", &consented).Error
	if err != nil {
		return Recipients{}, fmt.Errorf("payers: sms consent: %w", err)
	}
	ok := make(map[string]bool, len(consented))
	for _, p := range consented {
		ok[p] = true
	}
	var r Recipients
	for _, c := range contacts {
		switch {
		case c.Kind == "phone" && ok[c.Value]:
			r.SMS = append(r.SMS, c.Value)
		case c.Kind == "email" && c.Role == "cc":
			r.CC = append(r.CC, c.Value)
		case c.Kind == "email" && c.Role == "bcc":
			r.BCC = append(r.BCC, c.Value)
		case c.Kind == "email":
			r.To = append(r.To, c.Value)
		}
	}
	return r, nil
}

// Unsubscribe is the payer's opt-out from a link (the unsubscribe link of
// an email, or its one-click List-Unsubscribe header): digests on channel
// stop, and every address the message went to is suppressed on it (the
// digest's recipients; every address of the payer on channel when the
// link names no digest or the digest is not the payer's). The vendors
// whose customers use those addresses get contact.unsubscribed. The payer
// undoes it by turning the channel on again in settings (Resubscribe).
func (s *Store) Unsubscribe(ctx context.Context, payerID, digestID int64, channel string) error {
	kind := map[string]string{"email": "email", "sms": "phone"}[channel]
	if kind == "" {
		return fmt.Errorf("payers: unsubscribe: unknown channel %q", channel)
	}
	now := s.now().UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var addresses []string
		if digestID != 0 {
			var sent []string
			err := tx.Table("digests").Where("id = ? AND payer_id = ? AND channel = ?", digestID, payerID, channel).
				Pluck("recipients", &sent).Error
			if err != nil {
				return err
			}
			for _, r := range sent {
				for a := range strings.SplitSeq(r, ",") {
					if a = strings.TrimSpace(a); a != "" {
						addresses = append(addresses, a)
					}
				}
			}
		}
		if len(addresses) == 0 {
			err := tx.Model(&Contact{}).Where("payer_id = ? AND kind = ?", payerID, kind).Order("id").Pluck("value", &addresses).Error
			if err != nil {
				return err
			}
		}
		for _, a := range addresses {
			if err := suppressIn(tx, channel, a, SuppressUnsubscribe, optOutDetail(payerID, "unsubscribe link"), now); err != nil {
				return err
			}
		}
		return tx.Model(&Payer{}).Where("id = ?", payerID).
			Updates(map[string]any{channel + "_enabled": false, "updated_at": now}).Error
	})
	if err != nil {
		return fmt.Errorf("payers: unsubscribe: %w", err)
	}
	return nil
}

// resubscribe lifts, inside tx, the suppressions the payer's own
// unsubscribe links wrote on channel: turning the channel on in settings
// is the payer asking for its messages again. Bounces, complaints and
// provider unsubscribes stay.
func resubscribe(tx *gorm.DB, payerID int64, channel string) error {
	return tx.Where("channel = ? AND reason = ? AND detail = ?", channel, SuppressUnsubscribe, optOutDetail(payerID, "unsubscribe link")).
		Delete(&Suppression{}).Error
}
