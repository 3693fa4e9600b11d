package crashtest

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// fakeSendGrid is SendGrid as the kill test needs it: it takes a few tens
// of milliseconds per message, remembers every message it read (by
// recipient) and which ones it answered, and can be frozen: held requests
// are then neither answered nor dropped, so that the test knows exactly
// which sends are in flight when it kills the hub.
type fakeSendGrid struct {
	mu        sync.Mutex
	received  map[string]int // requests read in full
	confirmed map[string]int // answered 202 while the hub was alive
	held      int            // read, not yet answered
	thaw      chan struct{}  // non-nil while frozen
}

func newFakeSendGrid() *fakeSendGrid {
	return &fakeSendGrid{received: map[string]int{}, confirmed: map[string]int{}}
}

func (f *fakeSendGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the hub died mid-request: nothing was sent
	}
	var mail struct {
		Personalizations []struct {
			To []struct{ Email string } `json:"to"`
		} `json:"personalizations"`
	}
	if err := json.Unmarshal(body, &mail); err != nil || len(mail.Personalizations) == 0 || len(mail.Personalizations[0].To) == 0 {
		http.Error(w, `{"errors":[{"message":"bad request"}]}`, http.StatusBadRequest)
		return
	}
	to := mail.Personalizations[0].To[0].Email
	f.mu.Lock()
	f.received[to]++
	f.held++
	f.mu.Unlock()

	time.Sleep(time.Duration(10+rand.IntN(50)) * time.Millisecond)

	f.mu.Lock()
	if thaw := f.thaw; thaw != nil {
		// Frozen: the hub is about to be killed with this send in flight.
		f.mu.Unlock()
		<-thaw
		f.mu.Lock()
		f.held--
		f.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	f.confirmed[to]++
	f.held--
	f.mu.Unlock()
	w.Header().Set("X-Message-Id", "fake-"+to)
	w.WriteHeader(http.StatusAccepted)
}

// freeze holds every answer not yet given.
func (f *fakeSendGrid) freeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.thaw == nil {
		f.thaw = make(chan struct{})
	}
}

// inFlight is how many sends the provider has read and not answered.
func (f *fakeSendGrid) inFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held
}

// unfreeze lets held requests go (their hub is dead) and answers again.
func (f *fakeSendGrid) unfreeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.thaw != nil {
		close(f.thaw)
		f.thaw = nil
	}
}

// counts returns copies of the received and confirmed counts and the
// number of confirmed sends.
func (f *fakeSendGrid) counts() (received, confirmed map[string]int, answered int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	received, confirmed = map[string]int{}, map[string]int{}
	for k, v := range f.received {
		received[k] = v
	}
	for k, v := range f.confirmed {
		confirmed[k] = v
		answered += v
	}
	return received, confirmed, answered
}
