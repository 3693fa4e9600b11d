package inbound

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/threads"
)

// SMS replies: a text that is not a keyword (STOP, START, HELP are the
// provider webhook's), from a number that received an SMS digest in the
// last SMSReplyWindow, is routed like a reply to that digest. A number that
// received none gets no answer at all.

// SMSReplyWindow is how long after an SMS digest a text is taken as a reply.
const SMSReplyWindow = 14 * 24 * time.Hour

// ReasonNoDigest means no SMS digest went to the number recently.
const ReasonNoDigest = "no_digest"

// SMS is a verified inbound text message.
type SMS struct {
	SID  string // the provider's message id: a replayed webhook is a duplicate
	From string // E.164
	Body string
}

// RouteSMS routes an inbound SMS and returns the text to answer it with
// ("" for none). An answer is only ever sent to a number with recorded SMS
// consent that is not suppressed.
func (r *Router) RouteSMS(ctx context.Context, m SMS) (Outcome, string, error) {
	from := strings.TrimSpace(m.From)
	id := "twilio:" + m.SID
	if m.SID == "" {
		id = messageID("", []byte(from+"\x00"+m.Body))
	}
	rep := Reply{MessageID: id, Source: "twilio", FromAddr: from, Body: clip(m.Body, threads.MaxMessage)}
	out, err := r.process(ctx, &rep, nil, 0, func() Outcome { return r.decideSMS(ctx, &rep) })
	if err != nil || out.Status == "duplicate" || rep.PayerID == nil {
		return out, "", err
	}
	rcpt, err := r.cfg.Payers.Recipients(ctx, *rep.PayerID)
	if err != nil || !slices.Contains(rcpt.SMS, from) {
		return out, "", nil
	}
	switch out.Status {
	case StatusRouted:
		n := len(out.ThreadIDs)
		return out, fmt.Sprintf("Thanks, your message was sent to the vendor%s. The answer will be in your duehub inbox.", map[bool]string{true: "s"}[n > 1]), nil
	case StatusHeld:
		return out, r.heldSMSAnswer(ctx, *rep.PayerID), nil
	}
	return out, "", nil
}

// decideSMS finds the digest the number was sent and routes the text as a
// reply to it.
func (r *Router) decideSMS(ctx context.Context, rep *Reply) Outcome {
	now := r.cfg.Store.now().UTC()
	if n, err := r.cfg.Store.recentFrom(ctx, rep.FromAddr, now.Add(-time.Hour)); err == nil && n > SenderLimit {
		return Outcome{Status: StatusRejected, Reason: ReasonRateLimited}
	}
	var rows []struct {
		ID      int64
		PayerID int64
	}
	err := r.cfg.Store.db.WithContext(ctx).Raw(`SELECT id, payer_id FROM digests
WHERE channel = 'sms' AND status = 'sent' AND sent_at > ? AND (',' || recipients || ',') LIKE ?
ORDER BY sent_at DESC, id DESC LIMIT 1`, now.Add(-SMSReplyWindow), "%,"+likeEscape(rep.FromAddr)+",%").Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return Outcome{Status: StatusRejected, Reason: ReasonNoDigest}
	}
	rep.PayerID, rep.DigestID = &rows[0].PayerID, &rows[0].ID
	if strings.TrimSpace(rep.Body) == "" {
		return Outcome{Status: StatusRejected, Reason: ReasonEmpty}
	}
	return r.routeDigest(ctx, rows[0].PayerID, rep.DigestID, rep.Body, rep.Body)
}

// likeEscape keeps % and _ in a phone number from acting as wildcards (a
// number never has them; a forged From might).
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// heldSMSAnswer asks the payer of a held text to choose its vendor, with a
// signed link to the held replies page; without a link it asks to send the
// text again naming the invoice or the vendor.
func (r *Router) heldSMSAnswer(ctx context.Context, payerID int64) string {
	const resend = "We could not tell which invoice or vendor this is for. Please send it again with the invoice number or the vendor's name."
	if r.cfg.Links == nil {
		return resend
	}
	p, err := r.cfg.Payers.Get(ctx, payerID)
	if err != nil {
		return resend
	}
	url, err := r.cfg.Links.URL(links.Link{PayerID: payerID, Generation: p.TokenGeneration, Action: links.ActionReplies, Channel: "sms"})
	if err != nil {
		return resend
	}
	return "We could not tell which vendor this is for. Choose it here: " + url
}
