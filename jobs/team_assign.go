package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// NotifyAssignments emails each member a thread was assigned to by someone
// else (issue 13), once: the notice row is claimed before sending and given
// back when the send fails, so the next pass tries again. It returns how
// many were sent.
func (t *TeamMail) NotifyAssignments(ctx context.Context) (int, error) {
	notices, err := t.cfg.Threads.PendingAssignNotices(ctx, teamBatch)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, n := range notices {
		won, err := t.cfg.Threads.ClaimAssignNotice(ctx, n.ID)
		if err != nil || !won {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		msg, ok, err := t.assignMessage(ctx, n)
		if err == nil && ok {
			_, err = t.cfg.Mailer.Send(ctx, msg)
		}
		switch {
		case notify.IsPermanent(err):
			t.cfg.Log.Warn("cannot email a member about an assignment", slog.Int64("notice", n.ID), slog.Any("err", err))
		case err != nil:
			errs = append(errs, fmt.Errorf("jobs: assignment notice %d: %w", n.ID, err))
			if rerr := t.cfg.Threads.ReleaseAssignNotice(ctx, n.ID); rerr != nil {
				errs = append(errs, rerr)
			}
		case ok:
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// assignMessage is the email to the assignee; false when there is nobody
// to tell any more (the member was disabled, the thread is gone).
func (t *TeamMail) assignMessage(ctx context.Context, n threads.AssignNotice) (notify.Message, bool, error) {
	members, err := t.cfg.Vendors.Members(ctx, n.VendorID)
	if err != nil {
		return notify.Message{}, false, err
	}
	var to *vendors.Member
	by := "Someone on your team"
	for i, m := range members {
		if m.ID == n.MemberID && m.Active() {
			to = &members[i]
		}
		if n.ByMemberID != nil && m.ID == *n.ByMemberID {
			by = oneLine(m.Label())
		}
	}
	if to == nil {
		return notify.Message{}, false, nil
	}
	th, err := t.cfg.Threads.VendorThread(ctx, n.VendorID, n.ThreadID)
	if errors.Is(err, vendors.ErrNotFound) {
		return notify.Message{}, false, nil
	}
	if err != nil {
		return notify.Message{}, false, err
	}
	customer := "a customer"
	if th.Customer != nil {
		customer = oneLine(firstOf(th.Customer.Name, th.Customer.ExternalID))
	}
	what := "question"
	if th.Kind == threads.ThreadDispute {
		what = "dispute"
	}
	subject := by + " assigned you a " + what + " from " + customer
	if th.Invoice != nil {
		subject += " on " + vendors.InvoiceName(oneLine(th.Invoice.Number))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\nIt is yours to answer now:\n%s/vendor/threads/%d\n", subject, t.cfg.BaseURL, th.ID)
	return notify.Message{ID: fmt.Sprintf("team-assign-%d", n.ID), Channel: notify.Email, From: t.cfg.From,
		To: []string{to.Email}, Subject: subject, Text: b.String()}, true, nil
}
