package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/sendgrid"
)

// riverWorkers is River's default number of concurrent sends in the hub
// (jobs.Config.Workers); the bare baseline posts with as many goroutines.
const riverWorkers = 10

// fakeSendGrid answers every /v3/mail/send with 202, as SendGrid does, and
// can spool the bodies it receives to a file for the baseline to replay.
type fakeSendGrid struct {
	srv *httptest.Server

	mu          sync.Mutex
	count       int
	first, last time.Time
	spool       *bufio.Writer
}

func newFakeSendGrid() *fakeSendGrid {
	f := &fakeSendGrid{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost || r.URL.Path != "/v3/mail/send" {
			http.Error(w, `{"errors":[{"message":"bad request"}]}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		now := time.Now()
		if f.count == 0 {
			f.first = now
		}
		f.count++
		f.last = now
		n := f.count
		if f.spool != nil {
			binary.Write(f.spool, binary.LittleEndian, uint32(len(body)))
			f.spool.Write(body)
		}
		f.mu.Unlock()
		w.Header().Set("X-Message-Id", "bench"+strconv.Itoa(n))
		w.WriteHeader(http.StatusAccepted)
	}))
	return f
}

func (f *fakeSendGrid) reset(spool *bufio.Writer) {
	f.mu.Lock()
	f.count, f.first, f.last, f.spool = 0, time.Time{}, time.Time{}, spool
	f.mu.Unlock()
}

// deliveryReport is the delivery figure.
type deliveryReport struct {
	N int
	// RiverWindow runs from the fake's first request to the moment every
	// ledger row is settled; RiverTotal from River's start (leader election
	// and the planning pass River runs at start included).
	RiverWindow, RiverTotal time.Duration
	Bare                    time.Duration
	// RenderPost is the same digests built in memory, signed, rendered and
	// sent through the sendgrid-go sender with no database (renderPost).
	RenderPost time.Duration
	Bytes      int64
}

// deliver sends n digests through River's send worker and the SendGrid
// sender to the fake, then replays the same request bodies as bare POSTs,
// then renders and sends the same digests with no database (renderPost).
// The digests are ledger rows of payers that already got this slot's email,
// written pending one second after it, so the planning pass River runs at
// start plans nothing new and only enqueues them.
func deliver(ctx context.Context, h Hub, s *server, net *network, now time.Time, n int) (deliveryReport, error) {
	rep := deliveryReport{}
	var sent []bundler.Entry
	err := h.DB.Gorm.WithContext(ctx).Where("channel = ? AND status = ?", string(notify.Email), bundler.StatusSent).
		Order("payer_id").Limit(n).Find(&sent).Error
	if err != nil {
		return rep, fmt.Errorf("bench: pick digests: %w", err)
	}
	if len(sent) == 0 {
		return rep, fmt.Errorf("bench: no email digest to deliver again")
	}
	rep.N = len(sent)
	rows := make([]bundler.Entry, len(sent))
	for i, e := range sent {
		rows[i] = bundler.Entry{PayerID: e.PayerID, Channel: e.Channel, Slot: e.Slot.Add(time.Second),
			Status: bundler.StatusPending, CreatedAt: now, UpdatedAt: now}
	}
	if err := h.DB.Gorm.WithContext(ctx).CreateInBatches(&rows, 500).Error; err != nil {
		return rep, fmt.Errorf("bench: write digests to deliver: %w", err)
	}
	firstID := rows[0].ID
	for _, r := range rows {
		firstID = min(firstID, r.ID)
	}

	fake := newFakeSendGrid()
	defer fake.srv.Close()
	spool, err := os.CreateTemp("", "duehub-bench-bodies-*")
	if err != nil {
		return rep, fmt.Errorf("bench: spool: %w", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	bw := bufio.NewWriterSize(spool, 1<<20)
	fake.reset(bw)

	sg, err := sendgrid.New(sendgrid.Config{APIKey: "SG.bench-key", Host: fake.srv.URL, From: mailFrom, FromName: fromName,
		Timeout: 30 * time.Second})
	if err != nil {
		return rep, err
	}
	r := h.runner(s, map[notify.Channel]notify.Sender{notify.Email: sg}, func() time.Time { return now })
	start := time.Now()
	stop, err := h.startJobs(ctx, r)
	if err != nil {
		return rep, err
	}
	done, err := waitSettled(ctx, h, firstID, 10*time.Minute+time.Duration(rep.N)*time.Second)
	stop()
	if err != nil {
		return rep, err
	}
	rep.RiverTotal = done.Sub(start)
	fake.mu.Lock()
	got, first := fake.count, fake.first
	fake.spool = nil
	fake.mu.Unlock()
	rep.RiverWindow = done.Sub(first)
	var settled []struct {
		Status string
		N      int
	}
	err = h.DB.Gorm.WithContext(ctx).Model(&bundler.Entry{}).Select("status, count(*) AS n").
		Where("id >= ?", firstID).Group("status").Scan(&settled).Error
	if err != nil {
		return rep, fmt.Errorf("bench: delivered digests: %w", err)
	}
	for _, st := range settled {
		if st.Status != bundler.StatusSent {
			return rep, fmt.Errorf("bench: %d of %d digests ended %s, not sent", st.N, rep.N, st.Status)
		}
	}
	if got != rep.N {
		return rep, fmt.Errorf("bench: the fake SendGrid received %d requests for %d digests", got, rep.N)
	}
	if err := bw.Flush(); err != nil {
		return rep, fmt.Errorf("bench: spool: %w", err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return rep, fmt.Errorf("bench: spool: %w", err)
	}
	if rep.Bare, rep.Bytes, err = postBare(ctx, fake, spool, rep.N); err != nil {
		return rep, err
	}
	rep.RenderPost, err = renderPost(ctx, h, s, net, fake, sg, rows, now)
	return rep, err
}

// waitSettled waits until no ledger row from firstID on is pending or
// sending, and returns when it saw that.
func waitSettled(ctx context.Context, h Hub, firstID int64, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
		var open int64
		err := h.DB.Gorm.WithContext(ctx).Model(&bundler.Entry{}).
			Where("id >= ? AND status IN ?", firstID, []string{bundler.StatusPending, bundler.StatusSending}).Count(&open).Error
		if err != nil {
			return time.Time{}, fmt.Errorf("bench: wait for delivery: %w", err)
		}
		if open == 0 {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("bench: %d digests still unsent after %s", open, limit)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// postBare replays the spooled bodies with http.Post, riverWorkers at a time.
func postBare(ctx context.Context, fake *fakeSendGrid, spool io.Reader, n int) (time.Duration, int64, error) {
	bodies := make(chan []byte, 2*riverWorkers)
	errc := make(chan error, riverWorkers+1)
	var total int64
	go func() {
		defer close(bodies)
		r := bufio.NewReaderSize(spool, 1<<20)
		for range n {
			var size uint32
			if err := binary.Read(r, binary.LittleEndian, &size); err != nil {
				errc <- fmt.Errorf("bench: read spool: %w", err)
				return
			}
			b := make([]byte, size)
			if _, err := io.ReadFull(r, b); err != nil {
				errc <- fmt.Errorf("bench: read spool: %w", err)
				return
			}
			total += int64(size)
			select {
			case bodies <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	url := fake.srv.URL + "/v3/mail/send"
	var wg sync.WaitGroup
	start := time.Now()
	for range riverWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed := false
			for b := range bodies { // drained even after a failure, so the reader ends
				if failed {
					continue
				}
				resp, err := http.Post(url, "application/json", bytes.NewReader(b))
				if err != nil {
					errc <- fmt.Errorf("bench: bare post: %w", err)
					failed = true
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					errc <- fmt.Errorf("bench: bare post: %s", resp.Status)
					failed = true
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errc:
		return elapsed, total, err
	default:
	}
	return elapsed, total, nil
}
