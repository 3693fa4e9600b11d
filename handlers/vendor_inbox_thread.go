package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The thread page of the vendor inbox: the invoice, the customer as the
// vendor pushed it, the conversation, and the forms to reply, resolve and
// assign. Each action is one store call scoped by the member's vendor,
// then a redirect.

type vendorThreadData struct {
	ID                             int64
	Title, State, Opened, Assignee string
	Reason, Disputed, Outcome      string
	Waiting, Resolved              bool
	Invoice                        *threadInvoiceView
	Customer                       *threads.ThreadCustomer
	Messages                       []messageView
	Notes                          []messageView // the team's internal notes
	// Attachments are the files that came with the payer's emailed replies.
	Attachments []attachmentView
	Members     []memberOption
	Outcomes    []reasonOption

	LateReasons []payers.LateReason // the tags of a late payment (issue 12)

	// Activity is the customer's latest activity (issue 13).
	Activity []activityView
	// SavedReplies can be inserted into the reply; ReplyBody is the reply
	// form's text (a saved reply chosen with ?use=).
	SavedReplies []threads.SavedReply
	ReplyBody    string
}

type threadInvoiceView struct {
	Number, ExternalID, AmountDue, Remaining, Due, Status string
}

type memberOption struct {
	ID       int64
	Label    string
	Selected bool
}

// threadOutcomes are the outcomes a thread is resolved with.
var threadOutcomes = []reasonOption{
	{"answered", "Answered"}, {"credit_issued", "Credit issued"}, {"invoice_corrected", "Invoice corrected"}, {"rejected", "Rejected"},
}

func outcomeLabel(code string) string {
	for _, o := range threadOutcomes {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

// vendorThreadID reads :id; a malformed id is the not-found page.
func (s *Server) vendorThreadID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.vendorNotFound(c)
		return 0, false
	}
	return id, true
}

// vendorThreadPage answers GET /vendor/threads/:id.
func (s *Server) vendorThreadPage(c *gin.Context) {
	id, ok := s.vendorThreadID(c)
	if !ok {
		return
	}
	s.renderThread(c, http.StatusOK, id, "")
}

func (s *Server) renderThread(c *gin.Context, status int, id int64, formError string) {
	ctx := c.Request.Context()
	m := member(c)
	v, err := s.threads.VendorThread(ctx, m.VendorID, id)
	if err != nil {
		s.vendorFailed(c, err)
		return
	}
	assignees, err := s.threads.ThreadAssignees(ctx, m.VendorID, []int64{id})
	if err != nil {
		s.fail(c, err)
		return
	}
	members, err := s.vendors.Members(ctx, m.VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	loc := s.vendorLocation(ctx, m.VendorID)
	d := vendorThreadData{ID: v.ID, State: vendorStateText[v.State], Opened: formatMoment(v.CreatedAt, loc),
		Waiting: v.State == threads.ThreadOpen, Resolved: v.State == threads.ThreadResolved, Customer: v.Customer,
		Outcomes: threadOutcomes}
	d.LateReasons = payers.LateReasons // issue 12
	d.Title = "Question"
	if v.Kind == threads.ThreadDispute {
		d.Title = "Dispute"
		d.Reason, d.Disputed = reasonLabel(v.Reason), money.Format(v.DisputedAmount, v.Currency)
	}
	if v.Outcome != "" {
		d.Outcome = outcomeLabel(v.Outcome)
	}
	if inv := v.Invoice; inv != nil {
		d.Title += " on " + vendors.InvoiceName(inv.Number)
		d.Invoice = &threadInvoiceView{Number: inv.Number, ExternalID: inv.ExternalID,
			AmountDue: money.Format(inv.AmountDue, inv.Currency), Remaining: money.Format(inv.AmountRemaining, inv.Currency),
			Due: formatDay(inv.DueDate), Status: inv.Status}
	}
	customer := "Customer"
	if v.Customer != nil {
		customer = firstNonEmpty(v.Customer.Name, v.Customer.ExternalID)
	}
	for _, msg := range v.Messages {
		mv := messageView{Who: customer, At: formatMoment(msg.CreatedAt, loc), Body: msg.Body}
		if msg.Author == "vendor" {
			mv.Who, mv.FromVendor = "Your team", true
			if msg.MemberID != nil { // issue 13: who on the team wrote it
				mv.Who = "A former member"
				for _, mm := range members {
					if mm.ID == *msg.MemberID {
						mv.Who = mm.Label()
					}
				}
			}
		}
		d.Messages = append(d.Messages, mv)
	}
	if v.Customer != nil && v.Customer.ID != 0 {
		if d.Activity, err = s.customerActivity(ctx, m.VendorID, v.Customer.ID, loc, threadActivityLimit); err != nil {
			s.fail(c, err)
			return
		}
	}
	if d.SavedReplies, d.ReplyBody, err = s.savedReplyOptions(c, m.VendorID); err != nil {
		s.fail(c, err)
		return
	}
	notes, err := s.threads.ThreadNotes(ctx, m.VendorID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, n := range notes {
		who := "A former member"
		for _, mm := range members {
			if mm.ID == n.MemberID {
				who = mm.Label()
			}
		}
		d.Notes = append(d.Notes, messageView{Who: who, At: formatMoment(n.CreatedAt, loc), Body: n.Body})
	}
	if s.inbound != nil {
		files, err := s.inbound.Store().ThreadAttachments(ctx, m.VendorID, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, f := range files {
			d.Attachments = append(d.Attachments, attachmentView{ID: f.ID, Filename: f.Filename, Size: byteSize(f.Size)})
		}
	}
	for _, mm := range members {
		if mm.ID == assignees[id] {
			d.Assignee = mm.Label()
		}
		if mm.Active() {
			d.Members = append(d.Members, memberOption{ID: mm.ID, Label: mm.Label(), Selected: mm.ID == assignees[id]})
		}
	}
	s.renderVendor(c, status, "thread", vendorPage{Title: d.Title, Error: formError, Data: d})
}

// vendorFailed shows another vendor's object, or a missing one, as the
// not-found page; anything else is a server error.
func (s *Server) vendorFailed(c *gin.Context, err error) {
	if errors.Is(err, vendors.ErrNotFound) || errors.Is(err, payers.ErrNotFound) {
		s.vendorNotFound(c)
		return
	}
	s.fail(c, err)
}

// vendorActionFailed re-renders the thread with the validation message, or
// fails like vendorFailed.
func (s *Server) vendorActionFailed(c *gin.Context, id int64, err error) {
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		msgs := make([]string, len(ve.Fields))
		for i, f := range ve.Fields {
			label := map[string]string{"body": "The reply", "note": "The note", "outcome": "The outcome", "id": "This thread", "member_id": "The assignee"}[f.Field]
			msgs[i] = firstNonEmpty(label, f.Field) + " " + f.Message + "."
		}
		s.renderThread(c, http.StatusUnprocessableEntity, id, strings.Join(msgs, " "))
		return
	}
	s.vendorFailed(c, err)
}

// vendorReply answers POST /vendor/threads/:id/reply.
func (s *Server) vendorReply(c *gin.Context) {
	id, ok := s.vendorThreadID(c)
	if !ok {
		return
	}
	ctx, m := c.Request.Context(), member(c)
	if err := checkForm(c, "body"); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	body := c.PostForm("body")
	if _, err := s.threads.VendorReply(ctx, m.VendorID, id, body); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	s.notifyAnswer(ctx, m.VendorID, id, strings.TrimSpace(body))
	seeOther(c, "/vendor/threads/"+strconv.FormatInt(id, 10)+"?done=reply")
}

// vendorResolve answers POST /vendor/threads/:id/resolve.
func (s *Server) vendorResolve(c *gin.Context) {
	id, ok := s.vendorThreadID(c)
	if !ok {
		return
	}
	ctx, m := c.Request.Context(), member(c)
	if err := checkForm(c, "note"); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	note := c.PostForm("note")
	if _, err := s.threads.ResolveThread(ctx, m.VendorID, id, c.PostForm("outcome"), note); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	s.notifyAnswer(ctx, m.VendorID, id, strings.TrimSpace(note))
	seeOther(c, "/vendor/threads/"+strconv.FormatInt(id, 10)+"?done=resolve")
}

// vendorAssign answers POST /vendor/threads/:id/assign.
func (s *Server) vendorAssign(c *gin.Context) {
	id, ok := s.vendorThreadID(c)
	if !ok {
		return
	}
	if err := checkForm(c); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	memberID, err := strconv.ParseInt(c.PostForm("member_id"), 10, 64)
	if err != nil || memberID < 0 {
		s.vendorNotFound(c)
		return
	}
	if err := s.threads.AssignThread(c.Request.Context(), member(c).VendorID, id, memberID); err != nil {
		s.vendorFailed(c, err)
		return
	}
	seeOther(c, "/vendor/threads/"+strconv.FormatInt(id, 10)+"?done=assign")
}

// vendorConfirmPayment answers POST /vendor/payments/:id/confirm.
func (s *Server) vendorConfirmPayment(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.vendorNotFound(c)
		return
	}
	if _, err := s.payers.ConfirmPayment(c.Request.Context(), member(c).VendorID, id); err != nil {
		s.vendorFailed(c, err)
		return
	}
	seeOther(c, "/vendor?done=payment")
}

// vendorNote answers POST /vendor/threads/:id/notes: an internal note the
// customer never sees.
func (s *Server) vendorNote(c *gin.Context) {
	id, ok := s.vendorThreadID(c)
	if !ok {
		return
	}
	ctx, m := c.Request.Context(), member(c)
	if err := checkForm(c, "note"); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	if _, err := s.threads.AddThreadNote(ctx, m.VendorID, id, m.ID, c.PostForm("note")); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	seeOther(c, "/vendor/threads/"+strconv.FormatInt(id, 10)+"?done=note#notes")
}
