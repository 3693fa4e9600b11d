package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
)

// heldNoticeQuiet is how long after one held-reply email the next held
// reply adds itself to the same page without another email.
const heldNoticeQuiet = 10 * time.Minute

// tellHeld emails the payer's AP team (never the reply's sender, who may
// not be who it claims) one link to the page listing its held replies.
// Failures are logged: the reply stays listed whatever happens here.
func (r *Router) tellHeld(ctx context.Context, rep Reply) {
	if r.cfg.Mailer == nil || r.cfg.Links == nil || rep.PayerID == nil {
		return
	}
	payerID := *rep.PayerID
	log := r.cfg.Log.With(slog.Int64("reply_id", rep.ID), slog.Int64("payer_id", payerID))
	var recent int64
	err := r.cfg.Store.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM inbound_replies WHERE payer_id = ? AND status = ? AND id <> ? AND created_at > ?`,
		payerID, StatusHeld, rep.ID, r.cfg.Store.now().UTC().Add(-heldNoticeQuiet)).Scan(&recent).Error
	if err != nil || recent > 0 {
		return
	}
	p, err := r.cfg.Payers.Get(ctx, payerID)
	if err != nil {
		log.ErrorContext(ctx, "held reply notice", slog.Any("err", err))
		return
	}
	if !p.EmailEnabled {
		return
	}
	rcpt, err := r.cfg.Payers.Recipients(ctx, payerID)
	if err != nil {
		log.ErrorContext(ctx, "held reply notice", slog.Any("err", err))
		return
	}
	to, cc := rcpt.To, rcpt.CC
	if len(to) == 0 {
		to, cc = cc, nil
	}
	if len(to) == 0 {
		return
	}
	url, err := r.cfg.Links.URL(links.Link{PayerID: payerID, Generation: p.TokenGeneration, Action: links.ActionReplies})
	if err != nil {
		log.ErrorContext(ctx, "held reply notice", slog.Any("err", err))
		return
	}
	why := "it does not say which vendor it is for"
	if rep.Reason == ReasonUnknownSender {
		why = "it came from " + rep.FromAddr + ", which is not one of your contacts, so we wait for you to confirm it"
	} else if rep.Reason == ReasonClosed {
		why = "the conversation it answers is closed"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "We received a reply to duehub but did not pass it on to a vendor: %s.\n\n", why)
	b.WriteString("Nothing was sent. Choose the vendor it is for (or leave it) on this page (the link is valid for 30 days):\n" + url + "\n\n")
	b.WriteString("The reply:\n\n")
	for _, l := range strings.Split(rep.Body, "\n") {
		b.WriteString("> " + l + "\n")
	}
	msg := notify.Message{ID: fmt.Sprintf("held-reply-%d", rep.ID), Channel: notify.Email, From: r.cfg.From,
		To: to, CC: cc, Subject: "Your reply is waiting: which vendor is it for?", Text: b.String(),
		Headers: map[string]string{"Auto-Submitted": "auto-replied"}}
	if _, err := r.cfg.Mailer.Send(ctx, msg); err != nil {
		log.ErrorContext(ctx, "held reply notice", slog.Any("err", err))
	}
}

// tellNotMember tells the sender of a refused team reply, once per address
// ever (a forged From must not turn the hub into a mail cannon), that the
// reply went nowhere.
func (r *Router) tellNotMember(ctx context.Context, rep Reply) {
	if r.cfg.Mailer == nil || rep.FromAddr == "" {
		return
	}
	var before int64
	err := r.cfg.Store.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM inbound_replies WHERE from_addr = ? AND status = ? AND reason = ? AND id <> ?`,
		rep.FromAddr, StatusRejected, ReasonNotMember, rep.ID).Scan(&before).Error
	if err != nil || before > 0 {
		return
	}
	msg := notify.Message{ID: fmt.Sprintf("reply-refused-%d", rep.ID), Channel: notify.Email, From: r.cfg.From,
		To: []string{rep.FromAddr}, Subject: "Your reply was not delivered",
		Text: "Your email reply to a duehub team notification was not passed on: only active members of the vendor's " +
			"team can answer by email. Ask an admin of your team to invite you, or answer in the duehub inbox.\n\n" +
			"We tell each address this once.\n",
		Headers: map[string]string{"Auto-Submitted": "auto-replied"}}
	if _, err := r.cfg.Mailer.Send(ctx, msg); err != nil {
		r.cfg.Log.ErrorContext(ctx, "refused reply notice", slog.Int64("reply_id", rep.ID), slog.Any("err", err))
	}
}
