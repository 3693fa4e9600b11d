package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// TeamMail emails vendors' AR teams (their active members, else the
// vendor's support address): one email per new question or dispute, and a
// daily summary at 08:00 vendor-local. A periodic job runs both passes; the
// events table and vendor_team_mail are the truth, so a pass missed while
// the hub was down is made up by the next one.
type TeamMail struct {
	cfg TeamMailConfig
}

// TeamMailConfig is what TeamMail needs.
type TeamMailConfig struct {
	Vendors *vendors.Store
	Payers  *payers.Store
	Threads *threads.Store
	Mailer  notify.Sender
	From    string
	// BaseURL is the hub's public URL, for links to the inbox.
	BaseURL string
	// ReplyTo, when set, gives a new-thread email the address an agent
	// answers the thread by (package inbound); "" sets none.
	ReplyTo func(ctx context.Context, vendorID, payerID, threadID int64) (string, error)
	Now     func() time.Time
	Log     *slog.Logger
}

// NewTeamMail returns a TeamMail.
func NewTeamMail(cfg TeamMailConfig) *TeamMail {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TeamMail{cfg: cfg}
}

// teamBatch bounds the events one pass announces; the next pass takes the rest.
const teamBatch = 200

// NotifyNewThreads emails each vendor's team about every question and
// dispute opened since its last email, one email per thread, and returns
// how many were sent. A vendor whose email fails is retried from that
// thread at the next pass; other vendors go on.
func (t *TeamMail) NotifyNewThreads(ctx context.Context) (int, error) {
	evs, err := t.cfg.Vendors.PendingTeamEvents(ctx, teamBatch)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	stopped := map[int64]bool{}
	cursor := map[int64]int64{}
	for _, ev := range evs {
		if stopped[ev.VendorID] {
			continue
		}
		from, ok := cursor[ev.VendorID]
		if !ok {
			from = ev.Cursor
		}
		won, err := t.cfg.Vendors.ClaimTeamEvent(ctx, ev.VendorID, from, ev.Pos)
		if err != nil || !won {
			// Another process is announcing this vendor's threads.
			stopped[ev.VendorID] = true
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		cursor[ev.VendorID] = ev.Pos
		announced, err := t.announce(ctx, ev.Event)
		if notify.IsPermanent(err) {
			// Retrying will not help (an address the provider refuses):
			// say so once and go on with the team's next thread.
			t.cfg.Log.Warn("cannot email the vendor's team about a new thread", slog.Int64("vendor_id", ev.VendorID),
				slog.Int64("event_id", ev.ID), slog.Any("err", err))
			continue
		}
		if err != nil {
			stopped[ev.VendorID] = true
			errs = append(errs, fmt.Errorf("jobs: announce event %d to vendor %d: %w", ev.ID, ev.VendorID, err))
			if rerr := t.cfg.Vendors.ReleaseTeamEvent(ctx, ev.VendorID, ev.Pos, from); rerr != nil {
				errs = append(errs, rerr)
			}
			continue
		}
		if announced {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// announce emails the team about one new thread; false when the thread is
// gone or the team has nobody to email.
func (t *TeamMail) announce(ctx context.Context, ev vendors.Event) (bool, error) {
	var p struct {
		ThreadID int64 `json:"thread_id"`
	}
	if err := json.Unmarshal([]byte(ev.Payload), &p); err != nil || p.ThreadID == 0 {
		t.cfg.Log.Warn("team email: event without a thread", slog.Int64("event", ev.ID))
		return false, nil
	}
	th, err := t.cfg.Threads.VendorThread(ctx, ev.VendorID, p.ThreadID)
	if errors.Is(err, vendors.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	to, err := t.cfg.Vendors.TeamEmails(ctx, ev.VendorID)
	if err != nil || len(to) == 0 {
		return false, err
	}
	msg := newThreadMessage(th, to, t.cfg.From, t.cfg.BaseURL)
	if t.cfg.ReplyTo != nil {
		if msg.ReplyTo, err = t.cfg.ReplyTo(ctx, ev.VendorID, th.PayerID, th.ID); err != nil {
			return false, err
		}
		if msg.ReplyTo != "" {
			msg.Text += "\nOr reply to this email: your answer goes to the customer as if written in the inbox.\n"
		}
	}
	if _, err := t.cfg.Mailer.Send(ctx, msg); err != nil {
		return false, err
	}
	return true, nil
}

// newThreadMessage is the team's email about one new thread, plain text:
// the payer's words are quoted as they are.
func newThreadMessage(th threads.VendorThreadView, to []string, from, baseURL string) notify.Message {
	customer := "A customer"
	if th.Customer != nil {
		customer = oneLine(firstOf(th.Customer.Name, th.Customer.ExternalID))
	}
	what, verb := "question", "asked about"
	if th.Kind == threads.ThreadDispute {
		what, verb = "dispute", "disputed"
	}
	subject := "New " + what + " from " + customer
	var b strings.Builder
	if inv := th.Invoice; inv != nil {
		subject += " on " + vendors.InvoiceName(oneLine(inv.Number))
		fmt.Fprintf(&b, "%s %s %s (%s remaining of %s, due %s).\n", customer, verb, vendors.InvoiceName(oneLine(inv.Number)),
			money.Format(inv.AmountRemaining, inv.Currency), money.Format(inv.AmountDue, inv.Currency), locale.Day(locale.Default, inv.DueDate))
	} else {
		fmt.Fprintf(&b, "%s sent a %s about their account.\n", customer, what)
	}
	if th.Kind == threads.ThreadDispute {
		fmt.Fprintf(&b, "Reason: %s\nDisputed: %s\nReminders for the invoice are paused until you resolve it.\n",
			threads.ReasonLabel(th.Reason), money.Format(th.DisputedAmount, th.Currency))
	}
	if len(th.Messages) > 0 {
		b.WriteString("\nThey wrote:\n\n")
		for _, line := range strings.Split(strings.ReplaceAll(th.Messages[0].Body, "\r\n", "\n"), "\n") {
			b.WriteString("> " + line + "\n")
		}
	}
	fmt.Fprintf(&b, "\nAnswer in your duehub inbox:\n%s/vendor/threads/%d\n", baseURL, th.ID)
	return notify.Message{ID: fmt.Sprintf("team-thread-%d", th.ID), Channel: notify.Email, From: from, To: to,
		Subject: subject, Text: b.String()}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TeamMailArgs asks for one pass of team emails: new threads, then the
// summaries that are due.
type TeamMailArgs struct{}

// Kind names the job in River.
func (TeamMailArgs) Kind() string { return "team_mail" }

type teamMailWorker struct {
	river.WorkerDefaults[TeamMailArgs]
	team *TeamMail
	log  *slog.Logger
}

// Timeout lets a pass that emails many teams outlive a send's timeout.
func (w *teamMailWorker) Timeout(*river.Job[TeamMailArgs]) time.Duration { return passTimeout }

func (w *teamMailWorker) Work(ctx context.Context, job *river.Job[TeamMailArgs]) error {
	announced, err1 := w.team.NotifyNewThreads(ctx)
	summaries, err2 := w.team.SendSummaries(ctx)
	assigned, err3 := w.team.NotifyAssignments(ctx) // issue 13
	if announced > 0 || summaries > 0 || assigned > 0 {
		w.log.Info("team emails sent", slog.Int("new_threads", announced), slog.Int("summaries", summaries), slog.Int("assignments", assigned))
	}
	// Failures are retried by the next pass, from the rows: the job itself
	// is not retried.
	if err := errors.Join(err1, err2, err3); err != nil {
		w.log.Warn("team emails", slog.Any("err", err))
	}
	return nil
}

// addTeamMail registers the team mail worker and its periodic pass.
func addTeamMail(cfg Config, workers *river.Workers, rc *river.Config) {
	if cfg.Team == nil {
		return
	}
	every := cfg.TeamEvery
	if every <= 0 {
		every = time.Minute
	}
	river.AddWorker(workers, &teamMailWorker{team: cfg.Team, log: cfg.Log})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return TeamMailArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: max(every, time.Second)}}
		},
		&river.PeriodicJobOpts{RunOnStart: true}))
}
