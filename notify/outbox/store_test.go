package outbox

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
)

// clock is a fake clock that moves one minute per reading.
func clock(start time.Time) func() time.Time {
	t := start
	return func() time.Time {
		now := t
		t = t.Add(time.Minute)
		return now
	}
}

func TestSchemaHoldsMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &row{})
	})
}

func TestSendListGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))
		s := New(db.Gorm, clock(start))
		var sender notify.Sender = s

		email := notify.Message{
			ID: "msg_1", Channel: notify.Email,
			To: []string{"ap@acme.example"}, CC: []string{"cfo@acme.example", "ctl@acme.example"},
			BCC: []string{"audit@acme.example"}, Subject: "3 vendors · 7 invoices · USD 12,340.00 due",
			Text: "Hello\nplain", HTML: "<p>Hello</p>",
			Headers: map[string]string{"List-Unsubscribe": "<https://hub.example/u/x>"},
		}
		sms := notify.Message{ID: "msg_2", Channel: notify.SMS, To: []string{"+15551230000"}, Text: "2 vendors, USD 10.00 due"}

		r1, err := sender.Send(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := sender.Send(ctx, sms)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r1.ProviderID, "outbox-") || r1.ProviderID == r2.ProviderID {
			t.Fatalf("provider ids %q, %q: want distinct outbox-<id>", r1.ProviderID, r2.ProviderID)
		}

		list, err := s.List(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Channel != notify.SMS || list[1].Channel != notify.Email {
			t.Fatalf("List = %+v, want the SMS then the email", list)
		}
		if got := "outbox-" + strconv.FormatInt(list[1].ID, 10); got != r1.ProviderID {
			t.Errorf("email stored as %s, Send said %s", got, r1.ProviderID)
		}
		if got := "outbox-" + strconv.FormatInt(list[0].ID, 10); got != r2.ProviderID {
			t.Errorf("SMS stored as %s, Send said %s", got, r2.ProviderID)
		}

		got, err := s.Get(ctx, list[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := Message{
			ID: list[1].ID, Channel: notify.Email, MessageID: "msg_1",
			To: email.To, CC: email.CC, BCC: email.BCC, Subject: email.Subject,
			Text: email.Text, HTML: email.HTML, Headers: email.Headers,
			CreatedAt: start.UTC().Truncate(time.Microsecond),
		}
		if !equal(got, want) {
			t.Errorf("Get = %+v\nwant  %+v", got, want)
		}

		smsGot := list[0]
		if smsGot.CC == nil || len(smsGot.CC) != 0 || smsGot.BCC == nil || smsGot.Headers == nil {
			t.Errorf("absent lists must read back empty, not nil: %+v", smsGot)
		}
		if want := start.Add(time.Minute).Truncate(time.Microsecond); !smsGot.CreatedAt.Equal(want) {
			t.Errorf("SMS CreatedAt = %v, want %v", smsGot.CreatedAt, want)
		}

		one, err := s.List(ctx, 1)
		if err != nil || len(one) != 1 || one[0].ID != list[0].ID {
			t.Errorf("List(1) = %+v, %v; want the newest only", one, err)
		}
	})
}

func TestListOrdersByTimeThenID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		s := New(db.Gorm, func() time.Time { return at })
		for i := range 3 {
			m := notify.Message{Channel: notify.Email, To: []string{"ap@acme.example"}, Subject: strconv.Itoa(i)}
			if _, err := s.Send(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.List(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var subjects []string
		for _, m := range list {
			subjects = append(subjects, m.Subject)
		}
		if strings.Join(subjects, ",") != "2,1,0" {
			t.Errorf("same-instant messages listed %v, want the last sent first", subjects)
		}
	})
}

func TestGetUnknown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, err := New(db.Gorm, time.Now).Get(context.Background(), 424242)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestSendRefusesUnsendable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := New(db.Gorm, time.Now)
		for name, m := range map[string]notify.Message{
			"no recipient":    {Channel: notify.Email, Subject: "hi"},
			"unknown channel": {Channel: "fax", To: []string{"+15551230000"}},
		} {
			_, err := s.Send(ctx, m)
			if !notify.IsPermanent(err) {
				t.Errorf("%s: err = %v, want a permanent notify error", name, err)
			}
		}
		if list, err := s.List(ctx, 0); err != nil || len(list) != 0 {
			t.Errorf("refused messages were stored: %+v, %v", list, err)
		}
	})
}

func equal(a, b Message) bool {
	return a.ID == b.ID && a.Channel == b.Channel && a.MessageID == b.MessageID &&
		slices.Equal(a.To, b.To) && slices.Equal(a.CC, b.CC) && slices.Equal(a.BCC, b.BCC) &&
		a.Subject == b.Subject && a.Text == b.Text && a.HTML == b.HTML &&
		maps.Equal(a.Headers, b.Headers) && a.CreatedAt.Equal(b.CreatedAt)
}

// A Reply-To is kept with the headers, where the outbox shows it.
func TestSendKeepsReplyTo(t *testing.T) {
	db := dbtest.SQLite(t)
	s := New(db.Gorm, time.Now)
	ctx := context.Background()
	headers := map[string]string{"List-Unsubscribe": "<https://hub.example/u/x>"}
	res, err := s.Send(ctx, notify.Message{ID: "m", Channel: notify.Email, To: []string{"ap@acme.example"}, Subject: "s", Text: "t",
		ReplyTo: "reply+abc@in.hub.example", Headers: headers})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(res.ProviderID, "outbox-"), 10, 64)
	m, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Headers["Reply-To"] != "reply+abc@in.hub.example" || m.Headers["List-Unsubscribe"] == "" {
		t.Errorf("headers %v", m.Headers)
	}
	if _, ok := headers["Reply-To"]; ok {
		t.Error("the caller's header map was changed")
	}
}
