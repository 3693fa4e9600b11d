package handlers

import (
	"testing"
)

// FuzzCursor: whatever a client sends as a cursor, opening it never panics,
// and only a cursor sealed for exactly that scope opens, to its own id.
func FuzzCursor(f *testing.F) {
	cs := newCursorSealer([]byte("fuzz-secret"))
	f.Add("1 /v1/invoices?status=open", int64(42), cs.seal("1 /v1/invoices?status=open", 42))
	f.Add("1 /v1/credits?updated_after=", int64(1), "garbage")
	f.Add("2 /v1/threads?", int64(1<<62), "")
	f.Add("1 /v1/invoices?", int64(7), "YzE6Nw") // the old "c1:7"
	f.Fuzz(func(t *testing.T, scope string, id int64, sent string) {
		if got, ok := cs.open(scope, sent); ok && cs.seal(scope, got) != sent {
			t.Fatalf("%q opened in %q to %d, which seals differently", sent, scope, got)
		}
		if id <= 0 {
			return
		}
		c := cs.seal(scope, id)
		if got, ok := cs.open(scope, c); !ok || got != id {
			t.Fatalf("seal/open %d in %q: %d %v", id, scope, got, ok)
		}
		if _, ok := cs.open(scope+"x", c); ok {
			t.Fatalf("a cursor of %q opened in another scope", scope)
		}
		if _, ok := newCursorSealer([]byte("another hub")).open(scope, c); ok {
			t.Fatal("a cursor opened with another secret")
		}
	})
}

// FuzzUpdatedAfter: the updated_after parser never panics, and what it
// accepts is an RFC 3339 instant that reads back the same.
func FuzzUpdatedAfter(f *testing.F) {
	for _, s := range []string{"2026-12-01T09:30:00Z", "2026-12-01T10:30:00+01:00", "2026-12-01T10:30:00 01:00",
		"2026-12-01T09:30:00.123456789Z", "2026-12-01", "yesterday", "", " ", "2026-12-01T09:30:00 ", "0000-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		at, ok := parseUpdatedAfter(raw)
		if !ok {
			return
		}
		if at.Location().String() != "UTC" {
			t.Fatalf("%q: not UTC: %v", raw, at)
		}
		back, ok := parseUpdatedAfter(at.Format("2006-01-02T15:04:05.999999999Z07:00"))
		if !ok || !back.Equal(at) {
			t.Fatalf("%q read as %v, which reads back as %v %v", raw, at, back, ok)
		}
	})
}

// FuzzBearerToken: the Authorization parser never panics and accepts only
// the Bearer scheme, in any case, with a non-empty token.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer dh_live_x", "bearer dh_live_x", "BEARER  dh_live_x", "Basic x", "Bearer", "Bearer ", "bearerx", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		token, ok := bearerToken(header)
		if !ok {
			return
		}
		if token == "" || len(header) < len("Bearer ") || !equalFoldASCII(header[:6], "bearer") || header[6] != ' ' {
			t.Fatalf("%q accepted as %q", header, token)
		}
	})
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}
