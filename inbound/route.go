package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// Why a reply is held or rejected.
const (
	ReasonNoToken       = "no_token"       // not sent to a reply address
	ReasonUnknownToken  = "unknown_token"  // a token we never issued, or expired
	ReasonEmpty         = "empty"          // nothing left once history is stripped
	ReasonRateLimited   = "rate_limited"   // too many replies from one sender
	ReasonNotMember     = "not_member"     // a team reply from someone not on the team
	ReasonUnknownSender = "unknown_sender" // From is not a contact of the payer: held for confirmation
	ReasonAmbiguous     = "ambiguous"      // a digest reply naming no invoice or vendor of it
	ReasonClosed        = "closed"         // the thread or invoices are closed
	ReasonDuplicate     = "duplicate"      // the same Message-ID again
)

// SenderLimit is how many replies one address may send per hour; the rest
// are rejected (a mail loop or a flood must not become threads).
const SenderLimit = 30

// Outcome is what became of an inbound email.
type Outcome struct {
	ReplyID   int64
	Status    string // routed | held | rejected | ignored | duplicate
	Reason    string
	ThreadIDs []int64
}

// RouterConfig wires a Router.
type RouterConfig struct {
	Store   *Store
	Payers  *payers.Store
	Threads *threads.Store
	Vendors *vendors.Store
	// Mailer sends the payer the link to its held replies; Links signs it.
	Mailer notify.Sender
	Links  *links.Signer
	// From is the hub's own From: a message from it is a loop.
	From     string
	Log      *slog.Logger
	Registry *prometheus.Registry
}

// Router routes inbound replies into threads.
type Router struct {
	cfg     RouterConfig
	counter *prometheus.CounterVec
	// answered tells the payer about a vendor's emailed answer, exactly as
	// for one written on the web (set by the HTTP layer).
	answered func(ctx context.Context, vendorID, threadID int64, body string)
}

// NewRouter returns a Router.
func NewRouter(cfg RouterConfig) *Router {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	r := &Router{cfg: cfg, counter: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "duehub_inbound_replies_total",
		Help: "Inbound replies by source and outcome (routed, held, rejected, ignored, duplicate) and reason.",
	}, []string{"source", "status", "reason"})}
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(r.counter)
	}
	return r
}

// OnVendorAnswer sets what tells the payer about an agent's emailed answer.
func (r *Router) OnVendorAnswer(fn func(ctx context.Context, vendorID, threadID int64, body string)) {
	r.answered = fn
}

// Store is the router's store.
func (r *Router) Store() *Store { return r.cfg.Store }

// Route routes one parsed email from source (sendgrid | smtp). An error
// means nothing was decided and the sender should try again later; every
// decision, refusals included, is an Outcome.
func (r *Router) Route(ctx context.Context, source string, e Email) (Outcome, error) {
	rep := Reply{MessageID: e.MessageID, Source: source, FromAddr: e.From, Subject: clip(e.Subject, 500),
		SPF: clip(e.SPF, 200), DKIM: clip(e.DKIM, 200), Token: TokenOf(r.cfg.Store.domain, e.Recipients)}
	rep.Body = clip(e.Body(), threads.MaxMessage)
	return r.process(ctx, &rep, e.Attachments, e.Dropped, func() Outcome { return r.decide(ctx, &rep, e) })
}

// process claims rep (a second delivery of its message id is a duplicate),
// decides its fate with decide, records and counts it, and tells the payer
// of a held reply.
func (r *Router) process(ctx context.Context, rep *Reply, files []Attachment, dropped int, decide func() Outcome) (Outcome, error) {
	source := rep.Source
	fresh, err := r.cfg.Store.claim(ctx, rep)
	if err != nil {
		return Outcome{}, err
	}
	if !fresh {
		r.count(source, "duplicate", ReasonDuplicate)
		return Outcome{Status: "duplicate", Reason: ReasonDuplicate}, nil
	}
	out := decide()
	rep.Status, rep.Reason, rep.ThreadIDs = out.Status, out.Reason, joinIDs(out.ThreadIDs)
	if out.Status == StatusRouted || out.Status == StatusHeld {
		if err := r.cfg.Store.saveAttachments(ctx, rep.ID, files); err != nil {
			return Outcome{}, err
		}
		if dropped > 0 {
			r.counter.WithLabelValues(source, "attachment_dropped", "too_large").Add(float64(dropped))
		}
	}
	if err := r.cfg.Store.finish(ctx, rep); err != nil {
		return Outcome{}, err
	}
	out.ReplyID = rep.ID
	r.count(source, out.Status, out.Reason)
	log := r.cfg.Log.With(slog.Int64("reply_id", rep.ID), slog.String("source", source), slog.String("status", out.Status),
		slog.String("reason", out.Reason))
	switch out.Status {
	case StatusRejected:
		log.WarnContext(ctx, "inbound reply rejected")
		if out.Reason == ReasonNotMember {
			r.tellNotMember(ctx, *rep)
		}
	case StatusHeld:
		log.InfoContext(ctx, "inbound reply held")
		r.tellHeld(ctx, *rep)
	default:
		log.InfoContext(ctx, "inbound reply", slog.Any("threads", out.ThreadIDs))
	}
	return out, nil
}

func (r *Router) count(source, status, reason string) {
	r.counter.WithLabelValues(source, status, reason).Inc()
}

// decide routes rep and says what became of it. Failures of the thread
// store hold the reply (it stays listed for the payer) rather than lose it.
func (r *Router) decide(ctx context.Context, rep *Reply, e Email) Outcome {
	if why := e.Automatic([]string{r.cfg.From}, r.cfg.Store.domain); why != "" {
		return Outcome{Status: StatusIgnored, Reason: why}
	}
	if n, err := r.cfg.Store.recentFrom(ctx, rep.FromAddr, r.cfg.Store.now().UTC().Add(-time.Hour)); err == nil && n > SenderLimit {
		return Outcome{Status: StatusRejected, Reason: ReasonRateLimited}
	}
	if rep.Token == "" {
		return Outcome{Status: StatusRejected, Reason: ReasonNoToken}
	}
	tok, err := r.cfg.Store.lookupToken(ctx, rep.Token)
	if err != nil {
		return Outcome{Status: StatusRejected, Reason: ReasonUnknownToken}
	}
	rep.PayerID, rep.DigestID = &tok.PayerID, tok.DigestID
	if rep.Body == "" {
		return Outcome{Status: StatusRejected, Reason: ReasonEmpty}
	}
	if tok.Kind == KindTeam {
		return r.teamReply(ctx, rep, tok)
	}
	ok, err := r.cfg.Store.isPayerContact(ctx, tok.PayerID, rep.FromAddr)
	if err != nil {
		r.cfg.Log.ErrorContext(ctx, "inbound: sender check", slog.Any("err", err))
	}
	if !ok {
		return Outcome{Status: StatusHeld, Reason: ReasonUnknownSender}
	}
	if tok.Kind == KindThread && tok.ThreadID != nil {
		t, err := r.cfg.Threads.PayerReply(ctx, tok.PayerID, *tok.ThreadID, rep.Body)
		if err == nil {
			return Outcome{Status: StatusRouted, ThreadIDs: []int64{t.ID}}
		}
		if !errors.Is(err, threads.ErrThreadResolved) {
			r.cfg.Log.ErrorContext(ctx, "inbound: payer reply", slog.Any("err", err))
		}
		return Outcome{Status: StatusHeld, Reason: ReasonClosed}
	}
	return r.routeDigest(ctx, tok.PayerID, tok.DigestID, rep.Subject+"\n"+rep.Body, rep.Body)
}

// routeDigest routes a reply to a digest: to each invoice of the digest
// that text names, else to each vendor of it named, else (a digest from one
// vendor) to that vendor; anything else is held.
func (r *Router) routeDigest(ctx context.Context, payerID int64, digestID *int64, text, body string) Outcome {
	cands, err := r.cfg.Store.candidates(ctx, payerID, digestID)
	if err != nil {
		r.cfg.Log.ErrorContext(ctx, "inbound: candidates", slog.Any("err", err))
		return Outcome{Status: StatusHeld, Reason: ReasonAmbiguous}
	}
	invoices, vendorIDs := named(text, cands)
	if len(invoices) == 0 && len(vendorIDs) == 0 {
		if vs := vendorsOf(cands); len(vs) == 1 {
			// A digest from one vendor: the reply can only be to it.
			vendorIDs = []int64{vs[0].ID}
		}
	}
	var threads []int64
	if len(invoices) > 0 {
		for _, c := range invoices {
			if id, err := r.onInvoice(ctx, payerID, c.InvoiceID, body); err == nil {
				threads = append(threads, id)
			} else {
				r.cfg.Log.WarnContext(ctx, "inbound: reply on invoice", slog.Int64("invoice_id", c.InvoiceID), slog.Any("err", err))
			}
		}
	} else {
		for _, v := range vendorIDs {
			if id, err := r.toVendor(ctx, payerID, v, cands, body); err == nil {
				threads = append(threads, id)
			} else {
				r.cfg.Log.WarnContext(ctx, "inbound: reply to vendor", slog.Int64("vendor_id", v), slog.Any("err", err))
			}
		}
	}
	if len(threads) == 0 {
		return Outcome{Status: StatusHeld, Reason: ReasonAmbiguous}
	}
	return Outcome{Status: StatusRouted, ThreadIDs: threads}
}

// onInvoice adds body to the payer's open thread on the invoice, else asks
// it as a new question.
func (r *Router) onInvoice(ctx context.Context, payerID, invoiceID int64, body string) (int64, error) {
	ts, err := r.cfg.Threads.ThreadsOfInvoice(ctx, payerID, invoiceID)
	if err != nil {
		return 0, err
	}
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].State != threads.ThreadResolved {
			t, err := r.cfg.Threads.PayerReply(ctx, payerID, ts[i].ID, body)
			if err == nil {
				return t.ID, nil
			}
			if !errors.Is(err, threads.ErrThreadResolved) {
				return 0, err
			}
			break
		}
	}
	t, err := r.cfg.Threads.AskQuestion(ctx, payerID, invoiceID, body)
	if err != nil {
		return 0, err
	}
	return t.ID, nil
}

// toVendor sends body to one vendor: on its only invoice among cands, else
// as a question on the payer's account with it.
func (r *Router) toVendor(ctx context.Context, payerID, vendorID int64, cands []candidate, body string) (int64, error) {
	var of []candidate
	for _, c := range cands {
		if c.VendorID == vendorID {
			of = append(of, c)
		}
	}
	if len(of) == 1 {
		return r.onInvoice(ctx, payerID, of[0].InvoiceID, body)
	}
	t, err := r.cfg.Threads.AskVendor(ctx, payerID, vendorID, body)
	if err != nil {
		return 0, err
	}
	return t.ID, nil
}

// teamReply posts an agent's emailed answer as the vendor's reply, when the
// sender is an active member of the thread's vendor.
func (r *Router) teamReply(ctx context.Context, rep *Reply, tok Token) Outcome {
	if tok.VendorID == nil || tok.ThreadID == nil {
		return Outcome{Status: StatusRejected, Reason: ReasonUnknownToken}
	}
	ms, err := r.cfg.Vendors.ActiveMembersByEmail(ctx, rep.FromAddr)
	if err != nil {
		r.cfg.Log.ErrorContext(ctx, "inbound: members", slog.Any("err", err))
	}
	member := false
	for _, m := range ms {
		member = member || m.VendorID == *tok.VendorID
	}
	if !member {
		return Outcome{Status: StatusRejected, Reason: ReasonNotMember}
	}
	if _, err := r.cfg.Threads.VendorReply(ctx, *tok.VendorID, *tok.ThreadID, rep.Body); err != nil {
		var ve *vendors.ValidationError
		if !errors.As(err, &ve) {
			r.cfg.Log.ErrorContext(ctx, "inbound: vendor reply", slog.Any("err", err))
		}
		return Outcome{Status: StatusRejected, Reason: ReasonClosed}
	}
	if r.answered != nil {
		r.answered(ctx, *tok.VendorID, *tok.ThreadID, rep.Body)
	}
	return Outcome{Status: StatusRouted, ThreadIDs: []int64{*tok.ThreadID}}
}

// Choices returns the vendors a held reply of the payer may be sent to.
func (r *Router) Choices(ctx context.Context, payerID int64, rep Reply) ([]VendorChoice, error) {
	cands, err := r.cfg.Store.candidates(ctx, payerID, rep.DigestID)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 && rep.DigestID != nil {
		cands, err = r.cfg.Store.candidates(ctx, payerID, nil)
		if err != nil {
			return nil, err
		}
	}
	return vendorsOf(cands), nil
}

// SendHeld sends one of the payer's held replies to the vendor it chose:
// the payer's choice is the confirmation a held reply waits for.
func (r *Router) SendHeld(ctx context.Context, payerID, replyID, vendorID int64) (int64, error) {
	rep, err := r.cfg.Store.heldReply(ctx, payerID, replyID)
	if err != nil {
		return 0, err
	}
	choices, err := r.Choices(ctx, payerID, rep)
	if err != nil {
		return 0, err
	}
	found := false
	for _, c := range choices {
		found = found || c.ID == vendorID
	}
	if !found {
		return 0, ErrNotFound
	}
	won, err := r.cfg.Store.takeHeld(ctx, payerID, replyID)
	if err != nil || !won {
		if err == nil {
			err = ErrNotFound // sent meanwhile (a second click)
		}
		return 0, err
	}
	cands, err := r.cfg.Store.candidates(ctx, payerID, rep.DigestID)
	if err == nil {
		var id int64
		if id, err = r.toVendor(ctx, payerID, vendorID, cands, rep.Body); err == nil {
			rep.Status, rep.Reason, rep.ThreadIDs = StatusRouted, "", joinIDs([]int64{id})
			if err := r.cfg.Store.finish(ctx, &rep); err != nil {
				return 0, err
			}
			r.count(rep.Source, StatusRouted, "payer_choice")
			return id, nil
		}
	}
	rep.Status = StatusHeld // give it back: still listed, nothing lost
	if ferr := r.cfg.Store.finish(ctx, &rep); ferr != nil {
		err = errors.Join(err, ferr)
	}
	return 0, fmt.Errorf("inbound: send held reply: %w", err)
}

// clip shortens s to n characters, marking the cut.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
