package sendgrid

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// fakeSendGrid stands in for api.sendgrid.com: it records every request and
// answers with whatever the test sets in respond.
type fakeSendGrid struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	respond  func(w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

func newFakeSendGrid(t *testing.T) *fakeSendGrid {
	t.Helper()
	f := &fakeSendGrid{respond: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Message-Id", "sg-msg-1")
		w.WriteHeader(http.StatusAccepted)
	}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.Header.Clone(), body})
		respond := f.respond
		f.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSendGrid) setResponse(respond func(w http.ResponseWriter, r *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respond = respond
}

func (f *fakeSendGrid) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the fake received no request")
	}
	return f.requests[len(f.requests)-1]
}

func reply(status int, header map[string]string, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}
