package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// A push the hub sheds with 503 and Retry-After is sent again, and the
// shed is counted; a push shed on every attempt fails with the status.
func TestPushBatchSendsShedPushesAgain(t *testing.T) {
	n := newNetwork(netConfig{Seed: 3, Scale: 0.002, Ref: refDay, DueMin: -60, DueMax: 45, IssuedByRef: true})
	b := batch{vendor: 0, from: 0, to: 2}
	for _, c := range []struct {
		name     string
		shedFor  int64
		wantShed int
		wantErr  bool
	}{
		{"shed twice", 2, 2, false},
		{"shed on every attempt", maxPushAttempts, maxPushAttempts - 1, true},
	} {
		var calls atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) <= c.shedFor {
				w.Header().Set("Retry-After", "0") // 0 is not a valid wait: the default 1 s applies
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(`{"results":[],"counts":{"created":2}}`))
		}))
		counts, shed, err := pushBatch(context.Background(), srv.Client(), srv.URL, "k", n, b)
		srv.Close()
		if shed != c.wantShed || (err != nil) != c.wantErr {
			t.Errorf("%s: shed %d, err %v; want shed %d, error %v", c.name, shed, err, c.wantShed, c.wantErr)
		}
		if !c.wantErr && counts["created"] != 2 {
			t.Errorf("%s: counts %v, want 2 created", c.name, counts)
		}
	}
}
