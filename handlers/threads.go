package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// Questions and disputes routed to the vendor, answered and resolved over
// the API. A reply or a resolution is emailed to the payer right after it
// is stored (notifyAnswer).

type threadJSON struct {
	ID              int64               `json:"id"`
	Kind            string              `json:"kind"`
	State           string              `json:"state"`
	Reason          *string             `json:"reason"`
	DisputedAmount  *int64              `json:"disputed_amount"`
	Currency        string              `json:"currency"`
	Outcome         *string             `json:"outcome"`
	Invoice         *threadInvoiceJSON  `json:"invoice"`
	Customer        *threadCustomerJSON `json:"customer"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
	FirstResponseAt *time.Time          `json:"first_response_at"`
	ResolvedAt      *time.Time          `json:"resolved_at"`
	// Messages are given by GET /v1/threads/{id} and the actions, not in lists.
	Messages *[]threadMessageJSON `json:"messages,omitempty"`
}

type threadInvoiceJSON struct {
	ExternalID      string `json:"external_id"`
	Number          string `json:"number"`
	Currency        string `json:"currency"`
	AmountDue       int64  `json:"amount_due"`
	AmountRemaining int64  `json:"amount_remaining"`
	Status          string `json:"status"`
	DueDate         string `json:"due_date"`
}

type threadCustomerJSON struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
}

type threadMessageJSON struct {
	ID        int64     `json:"id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type threadList struct {
	Data       []threadJSON `json:"data"`
	NextCursor *string      `json:"next_cursor"`
}

type threadMessageRequest struct {
	Body string `json:"body" text:"multiline"`
}

type threadResolveRequest struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note" text:"multiline"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func threadOut(v threads.VendorThreadView, withMessages bool) threadJSON {
	out := threadJSON{
		ID: v.ID, Kind: v.Kind, State: v.State, Currency: v.Currency,
		CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(),
		FirstResponseAt: utcPtr(v.FirstResponseAt), ResolvedAt: utcPtr(v.ResolvedAt),
	}
	if v.Kind == threads.ThreadDispute {
		out.Reason, out.DisputedAmount = &v.Reason, &v.DisputedAmount
	}
	if v.Outcome != "" {
		out.Outcome = &v.Outcome
	}
	if inv := v.Invoice; inv != nil {
		out.Invoice = &threadInvoiceJSON{ExternalID: inv.ExternalID, Number: inv.Number, Currency: inv.Currency,
			AmountDue: inv.AmountDue, AmountRemaining: inv.AmountRemaining, Status: inv.Status, DueDate: inv.DueDate.String()}
	}
	if c := v.Customer; c != nil {
		out.Customer = &threadCustomerJSON{ExternalID: c.ExternalID, Name: c.Name, Email: c.Email}
	}
	if withMessages {
		msgs := make([]threadMessageJSON, len(v.Messages))
		for i, m := range v.Messages {
			msgs[i] = threadMessageJSON{ID: m.ID, Author: m.Author, Body: m.Body, CreatedAt: m.CreatedAt.UTC()}
		}
		out.Messages = &msgs
	}
	return out
}

// idParam reads a numeric :id; anything else names no object of the vendor.
func idParam(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, vendors.ErrNotFound
	}
	return id, nil
}

// listThreads answers GET /v1/threads?kind=&state=&invoice=&limit=&cursor=.
func (s *Server) listThreads(c *gin.Context) {
	page, err := s.readPage(c, "kind", "state", "invoice", "updated_after")
	if err != nil {
		s.fail(c, err)
		return
	}
	updatedAfter, bad := readUpdatedAfter(c)
	if bad != nil {
		s.fail(c, &vendors.ValidationError{Fields: []vendors.FieldError{*bad}})
		return
	}
	views, err := s.threads.VendorThreads(c.Request.Context(), vendorID(c), threads.VendorThreadFilter{
		Kind: c.Query("kind"), State: c.Query("state"), InvoiceExternalID: c.Query("invoice"),
		UpdatedAfter: updatedAfter, AfterID: page.after, Limit: page.limit + 1,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := threadList{Data: make([]threadJSON, 0, len(views))}
	if len(views) > page.limit {
		views = views[:page.limit]
		out.NextCursor = page.next(views[len(views)-1].ID)
	}
	for _, v := range views {
		out.Data = append(out.Data, threadOut(v, false))
	}
	c.JSON(200, out)
}

// getThread answers GET /v1/threads/:id.
func (s *Server) getThread(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.threads.VendorThread(c.Request.Context(), vendorID(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(200, threadOut(v, true))
}

// postThreadMessage answers POST /v1/threads/:id/messages: the vendor's
// reply, then the payer's notification.
func (s *Server) postThreadMessage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req threadMessageRequest
	if err := readJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.threads.VendorReply(c.Request.Context(), vendorID(c), id, req.Body)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.notifyAnswer(c.Request.Context(), vendorID(c), id, strings.TrimSpace(req.Body))
	c.JSON(201, threadOut(v, true))
}

// resolveThread answers POST /v1/threads/:id/resolve: the resolution, then
// the payer's notification.
func (s *Server) resolveThread(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req threadResolveRequest
	if err := readJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.threads.ResolveThread(c.Request.Context(), vendorID(c), id, req.Outcome, req.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.notifyAnswer(c.Request.Context(), vendorID(c), id, strings.TrimSpace(req.Note))
	c.JSON(200, threadOut(v, true))
}

// readJSON decodes a single-object request body strictly.
func readJSON(c *gin.Context, v any) error {
	body, err := readBody(c, maxSingleBody)
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}

// answerSendTimeout bounds the email sent while the vendor's request waits.
const answerSendTimeout = 15 * time.Second

// outcomeText says a resolution's outcome to the payer.
var outcomeText = map[string]string{
	"credit_issued": "credit issued", "invoice_corrected": "invoice corrected", "rejected": "rejected", "answered": "answered",
}

// notifyAnswer emails the payer that the vendor answered or resolved a
// thread; body is the answer or the resolution note ("" when none). It runs
// synchronously after the answer is committed and never fails the vendor's
// request: the answer is in the portal whatever happens here, so a failure
// is logged and the thread's notification window given back for the next
// answer. At most one notification per thread per threads.AnswerNoticeWindow
// (a later answer inside the window is only in the portal), none when the
// payer turned email off. Email only: an SMS would need a short link of its
// own and a send deferred past quiet hours.
func (s *Server) notifyAnswer(ctx context.Context, vendorID, threadID int64, body string) {
	if s.mailer == nil || s.links == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerSendTimeout)
	defer cancel()
	log := s.log.With(slog.Int64("vendor_id", vendorID), slog.Int64("thread_id", threadID))
	n, err := s.threads.ClaimAnswerNotice(ctx, vendorID, threadID, body)
	if err != nil {
		log.ErrorContext(ctx, "answer notice", slog.Any("err", err))
		return
	}
	if n.Skip != "" {
		log.InfoContext(ctx, "answer notice not sent", slog.String("reason", n.Skip))
		return
	}
	p, err := s.payers.Get(ctx, n.PayerID)
	var msg notify.Message
	if err == nil {
		msg, err = s.answerMessage(n, p.TokenGeneration)
	}
	if err == nil && s.inbound != nil {
		msg.ReplyTo, err = s.inbound.Store().ThreadAddress(ctx, n.PayerID, n.ThreadID)
	}
	if err == nil {
		_, err = s.mailer.Send(ctx, msg)
	}
	if err != nil {
		log.ErrorContext(ctx, "send answer notice", slog.Any("err", err))
		if err := s.threads.ReleaseAnswerNotice(ctx, n); err != nil {
			log.ErrorContext(ctx, "release answer notice", slog.Any("err", err))
		}
	}
}

// answerMessage writes the notification as plain text: the vendor's words
// are quoted as they are, never turned into links or markup. generation is
// the payer's token generation, which its inbox link carries.
func (s *Server) answerMessage(n threads.AnswerNotice, generation int64) (notify.Message, error) {
	// The link opens the conversation itself when it is on an invoice.
	to := links.Link{PayerID: n.PayerID, Generation: generation, Action: links.ActionInbox}
	if n.InvoiceID > 0 {
		to.Action, to.InvoiceID = links.ActionAnswer, n.InvoiceID
	}
	inbox, err := s.links.URL(to)
	if err != nil {
		return notify.Message{}, err
	}
	unsubscribe, err := s.links.URL(links.Link{PayerID: n.PayerID, Action: links.ActionUnsubscribe, Channel: string(notify.Email)})
	if err != nil {
		return notify.Message{}, err
	}
	vendor := strings.Join(strings.Fields(n.VendorName), " ")
	what, verb := "your question", "answered"
	if n.Kind == threads.ThreadDispute {
		what = "your dispute"
	}
	if n.Resolved {
		verb = "resolved"
	}
	subject := vendor + " " + verb + " " + what
	if n.InvoiceNumber != "" {
		subject += " on " + vendors.InvoiceName(strings.Join(strings.Fields(n.InvoiceNumber), " "))
	}
	var b strings.Builder
	b.WriteString(subject)
	if n.Resolved {
		b.WriteString(" (outcome: " + outcomeText[n.Outcome] + ")")
	}
	b.WriteString(".\n\n")
	if n.Body != "" {
		b.WriteString(vendor + " wrote:\n\n")
		for _, line := range strings.Split(strings.ReplaceAll(n.Body, "\r\n", "\n"), "\n") {
			b.WriteString("> " + line + "\n")
		}
		b.WriteString("\n")
	}
	if n.Resolved && n.Kind == threads.ThreadDispute {
		b.WriteString("The invoice is no longer on hold: it is in your reminders again while anything remains due.\n\n")
	}
	b.WriteString("Read the whole conversation in your duehub inbox (the link is valid for 30 days):\n" + inbox + "\n\n")
	b.WriteString("You get this email because you wrote to " + vendor + " through duehub. " +
		"To get no more emails from duehub, reminders included: " + unsubscribe + "\n")
	return notify.Message{
		ID: fmt.Sprintf("answer-%d-%d", n.ThreadID, n.ClaimedAt.UnixNano()), Channel: notify.Email, From: s.mailFrom,
		To: n.To, CC: n.CC, BCC: n.BCC, Subject: subject, Text: b.String(),
		Headers: map[string]string{
			"List-Unsubscribe":      "<" + unsubscribe + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}, nil
}
