package analytics

import (
	"fmt"
	"slices"
	"time"

	"github.com/duehub/duehub/vendors"
)

// Deadline is when a first reply to a thread opened at opened is due under
// a target of targetHours, its business day counted in UTC. The queue, the
// analytics and the weekly email count business days in the vendor's own
// time zone: vendors.ReplyDeadline.
func Deadline(opened time.Time, targetHours int) time.Time {
	return vendors.ReplyDeadline(opened, targetHours, time.UTC)
}

// responseTime measures the threads opened in the period: hours to the
// first vendor reply and to resolution (median and 90th percentile),
// per member by who answered first, with each member's open assigned
// threads now and the threads past the vendor's target.
func (q *query) responseTime(r *Report) error {
	var target struct{ ResponseTargetHours int }
	if err := q.db.Raw(`SELECT response_target_hours FROM vendors WHERE id = ?`, q.vendorID).Scan(&target).Error; err != nil {
		return fmt.Errorf("response target: %w", err)
	}
	var threads []struct {
		ID              int64
		CreatedAt       time.Time
		FirstResponseAt *time.Time
		ResolvedAt      *time.Time
		FirstMemberID   *int64
		ResolverID      *int64
	}
	err := q.db.Raw(`SELECT t.id, t.created_at, t.first_response_at, t.resolved_at,
    (SELECT a.member_id FROM vendor_actions a WHERE a.thread_id = t.id AND a.vendor_id = t.vendor_id
        AND a.action IN ('reply', 'resolve') ORDER BY a.id LIMIT 1) AS first_member_id,
    (SELECT a.member_id FROM vendor_actions a WHERE a.thread_id = t.id AND a.vendor_id = t.vendor_id
        AND a.action = 'resolve' ORDER BY a.id LIMIT 1) AS resolver_id
FROM threads t WHERE t.vendor_id = ? AND t.created_at >= ? AND t.created_at < ?`, q.vendorID, q.start, q.end).Scan(&threads).Error
	if err != nil {
		return fmt.Errorf("threads: %w", err)
	}
	var members []struct {
		ID    int64
		Name  string
		Email string
	}
	if err := q.db.Raw(`SELECT id, name, email FROM vendor_members WHERE vendor_id = ? ORDER BY id`, q.vendorID).Scan(&members).Error; err != nil {
		return fmt.Errorf("members: %w", err)
	}
	var assigned []struct {
		AssigneeID int64
		N          int64
	}
	err = q.db.Raw(`SELECT assignee_id, COUNT(*) AS n FROM threads
WHERE vendor_id = ? AND state <> 'resolved' AND assignee_id IS NOT NULL GROUP BY assignee_id`, q.vendorID).Scan(&assigned).Error
	if err != nil {
		return fmt.Errorf("assigned threads: %w", err)
	}

	rt := &r.ResponseTime
	rt.TargetHours = float64(target.ResponseTargetHours)
	var first, resolution []float64
	perMember := map[int64][]float64{}
	resolutions := map[int64]int{}
	for _, t := range threads {
		// Business days are the vendor's: a Friday evening question in
		// Auckland is not due on a UTC Saturday.
		deadline := vendors.ReplyDeadline(t.CreatedAt, target.ResponseTargetHours, q.loc)
		if t.FirstResponseAt != nil {
			h := t.FirstResponseAt.Sub(t.CreatedAt).Hours()
			first = append(first, h)
			perMember[deref(t.FirstMemberID)] = append(perMember[deref(t.FirstMemberID)], h)
			if t.FirstResponseAt.After(deadline) {
				rt.PastTarget++
			}
		} else if q.now.After(deadline) {
			rt.PastTarget++
		}
		if t.ResolvedAt != nil {
			resolution = append(resolution, t.ResolvedAt.Sub(t.CreatedAt).Hours())
			resolutions[deref(t.ResolverID)]++
		}
	}
	rt.FirstReply, rt.Resolution = durationsOf(first), durationsOf(resolution)
	open := map[int64]int64{}
	for _, a := range assigned {
		open[a.AssigneeID] = a.N
	}
	for _, m := range members {
		if len(perMember[m.ID]) == 0 && resolutions[m.ID] == 0 && open[m.ID] == 0 {
			continue
		}
		name := m.Name
		if name == "" {
			name = m.Email
		}
		rt.Members = append(rt.Members, MemberResponse{MemberID: m.ID, Name: name,
			FirstReplies: durationsOf(perMember[m.ID]), Resolutions: resolutions[m.ID], OpenAssigned: open[m.ID]})
	}
	if len(perMember[0]) > 0 || resolutions[0] > 0 {
		rt.Members = append(rt.Members, MemberResponse{Name: "API", FirstReplies: durationsOf(perMember[0]), Resolutions: resolutions[0]})
	}
	return nil
}

func deref(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// durationsOf is the median and 90th percentile of hours, to one decimal.
func durationsOf(hours []float64) Durations {
	d := Durations{Count: len(hours)}
	if len(hours) > 0 {
		d.MedianHours = ptr(round1(quantile(hours, 0.5)))
		d.P90Hours = ptr(round1(quantile(hours, 0.9)))
	}
	return d
}

// accuracy is the share of the invoices billed in the period on which the
// payer asked a question or opened a dispute, and how many invoices had
// each kind of thread: "question", or the dispute's reason.
func (q *query) accuracy(r *Report) error {
	cf, cargs := q.currencyFilter("i.currency")
	args := append([]any{q.vendorID, q.p.From, q.lastDay}, cargs...)
	var invoices int64
	for _, b := range q.billed {
		invoices += b.Invoices
	}
	// Driven from the vendor's threads, far fewer than its invoices: CROSS
	// JOIN keeps SQLite's planner from walking the invoices instead (as
	// it does without statistics); PostgreSQL orders it freely.
	var a struct{ WithThread int64 }
	err := q.db.Raw(`SELECT COUNT(DISTINCT t.invoice_id) AS with_thread FROM threads t CROSS JOIN invoices i
WHERE i.id = t.invoice_id AND t.vendor_id = ? AND i.vendor_id = ? AND i.status <> 'void' AND i.billed_on >= ? AND i.billed_on <= ?`+cf,
		append([]any{q.vendorID}, args...)...).Scan(&a).Error
	if err != nil {
		return fmt.Errorf("accuracy: %w", err)
	}
	r.InvoiceAccuracy = Accuracy{Invoices: invoices, WithThread: a.WithThread}
	if invoices > 0 {
		r.InvoiceAccuracy.Share = ptr(round1(float64(a.WithThread) / float64(invoices) * 100))
	}
	err = q.db.Raw(`SELECT CASE WHEN t.kind = 'question' THEN 'question' ELSE t.reason END AS reason,
    COUNT(DISTINCT t.invoice_id) AS count
FROM threads t CROSS JOIN invoices i
WHERE i.id = t.invoice_id AND t.vendor_id = ? AND i.vendor_id = ? AND i.status <> 'void' AND i.billed_on >= ? AND i.billed_on <= ?`+cf+`
GROUP BY 1 ORDER BY count DESC, reason`, append([]any{q.vendorID}, args...)...).Scan(&r.InvoiceAccuracy.ByReason).Error
	if err != nil {
		return fmt.Errorf("accuracy by reason: %w", err)
	}
	slices.SortStableFunc(r.InvoiceAccuracy.ByReason, func(a, b ReasonCount) int { return int(b.Count - a.Count) })
	return nil
}
