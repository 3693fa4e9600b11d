package smtp

import (
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// fakeSMTP is a tiny SMTP server on 127.0.0.1 that records what it receives
// and can be told to refuse.
type fakeSMTP struct {
	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	greeting string            // default "220 fake ESMTP"
	rcptErr  map[string]string // recipient → reply, e.g. "550 5.1.1 no such user"
	dataErr  string            // reply after the message, e.g. "554 5.7.1 spam"
	auth     bool              // offer AUTH PLAIN
	mails    []mailTx
	authed   []string // decoded AUTH PLAIN credentials
}

type mailTx struct {
	From  string
	Rcpts []string
	Data  string
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, greeting: "220 fake ESMTP", rcptErr: map[string]string{}}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.wg.Wait()
	})
	return f
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) set(fn func(f *fakeSMTP)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeSMTP) transactions() []mailTx {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mailTx(nil), f.mails...)
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	f.mu.Lock()
	greeting, auth := f.greeting, f.auth
	f.mu.Unlock()
	say := func(s string) { _ = tp.PrintfLine("%s", s) }
	say(greeting)
	if !strings.HasPrefix(greeting, "220") {
		return
	}
	var tx mailTx
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if auth {
				say("250-fake\r\n250-AUTH PLAIN\r\n250 8BITMIME")
			} else {
				say("250-fake\r\n250 8BITMIME")
			}
		case "HELO":
			say("250 fake")
		case "AUTH":
			f.mu.Lock()
			f.authed = append(f.authed, arg)
			f.mu.Unlock()
			say("235 2.7.0 ok")
		case "MAIL":
			tx = mailTx{From: addrArg(arg)}
			say("250 2.1.0 ok")
		case "RCPT":
			rcpt := addrArg(arg)
			f.mu.Lock()
			reply, refuse := f.rcptErr[rcpt]
			f.mu.Unlock()
			if refuse {
				say(reply)
				continue
			}
			tx.Rcpts = append(tx.Rcpts, rcpt)
			say("250 2.1.5 ok")
		case "DATA":
			say("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			tx.Data = string(data)
			f.mu.Lock()
			dataErr := f.dataErr
			if dataErr == "" {
				f.mails = append(f.mails, tx)
			}
			f.mu.Unlock()
			if dataErr != "" {
				say(dataErr)
			} else {
				say("250 2.0.0 queued")
			}
		case "RSET":
			tx = mailTx{}
			say("250 ok")
		case "NOOP":
			say("250 ok")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 not implemented")
		}
	}
}

// addrArg pulls the address out of "FROM:<a@b> BODY=8BITMIME".
func addrArg(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}
