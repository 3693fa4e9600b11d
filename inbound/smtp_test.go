package inbound_test

import (
	"context"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/inbound"
)

// startSMTP runs the listener on a free loopback port.
func startSMTP(t *testing.T, r *inbound.Router) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := inbound.NewSMTPListener(ln.Addr().String(), r, nil)
	go func() { _ = l.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// Replies sent with Go's net/smtp client to the built-in listener land in
// the right thread once; the listener relays nothing and refuses a
// message over the size limit.
func TestSMTPListener(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		addr := startSMTP(t, w.router)
		raw, err := os.ReadFile(filepath.Join("testdata", "gmail_reply.eml"))
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte(strings.ReplaceAll(strings.ReplaceAll(string(raw), "reply+TOKEN@"+domain, w.digestAddr), "\n", "\r\n"))
		for range 2 {
			if err := smtp.SendMail(addr, nil, "ap@acme.example", []string{w.digestAddr}, msg); err != nil {
				t.Fatal(err)
			}
		}
		nw := w.threads(w.northwind)
		if len(nw) != 1 || nw[0].Invoice == nil || nw[0].Invoice.Number != "1001" {
			t.Fatalf("northwind threads %+v", nw)
		}
		if evs := w.events(w.northwind, "question.created"); len(evs) != 1 {
			t.Errorf("%d question.created events", len(evs))
		}

		err = smtp.SendMail(addr, nil, "spammer@example.net", []string{"someone@gmail.example"}, msg)
		if err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("relay attempt: %v", err)
		}
		big := append([]byte("From: ap@acme.example\r\nTo: "+w.digestAddr+"\r\nSubject: scan\r\nMessage-ID: <big@acme.example>\r\n\r\n"),
			[]byte(strings.Repeat(strings.Repeat("A", 76)+"\r\n", inbound.MaxEmail/78+1000))...)
		err = smtp.SendMail(addr, nil, "ap@acme.example", []string{w.digestAddr}, big)
		if err == nil || !strings.Contains(err.Error(), "552") {
			t.Errorf("a message over %d bytes: %v", inbound.MaxEmail, err)
		}
		if n := len(w.threads(w.northwind)); n != 1 {
			t.Errorf("%d threads after the refused messages", n)
		}
	})
}
