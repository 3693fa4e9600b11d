package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/duehub/duehub/database"
)

const (
	// heartbeatEvery is how often serve renews its row in hub_processes.
	heartbeatEvery = 15 * time.Second
	// plannerLiveWithin is how recent a heartbeat must be for its process
	// to count as planning: four missed beats, so a busy database cannot
	// make a live serve look dead, and a killed one is forgotten in a minute.
	plannerLiveWithin = time.Minute
)

// startHeartbeat records in hub_processes, now and every heartbeatEvery,
// that this process plans digests on the hub's clock. The returned func
// stops it and removes the row.
func (a *app) startHeartbeat(ctx context.Context) func() {
	host, _ := os.Hostname()
	suffix := make([]byte, 4)
	rand.Read(suffix)
	p := database.Process{ID: fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(suffix)),
		Role: database.RolePlanner, Host: host, PID: os.Getpid(), StartedAt: time.Now()}
	beat := func() {
		if err := a.db.Heartbeat(ctx, p, time.Now()); err != nil && ctx.Err() == nil {
			a.log.Warn("heartbeat not recorded", slog.Any("err", err))
		}
	}
	beat()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(heartbeatEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				beat()
			}
		}
	}()
	return func() {
		cancel()
		<-done
		leaveCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer stop()
		if err := a.db.LeaveProcess(leaveCtx, p.ID); err != nil {
			a.log.Warn("heartbeat row not removed", slog.Any("err", err))
		}
	}
}

// refuseSecondClock returns an error naming the process when a live serve
// plans on this database: `digests run --now` plans and sends on a clock of
// its own, and next to serve's it would decide slots serve has not reached,
// or find serve's pending digests stale and mark them expired or empty.
func (a *app) refuseSecondClock(ctx context.Context) error {
	live, err := a.db.LiveProcesses(ctx, database.RolePlanner, time.Now().Add(-plannerLiveWithin))
	if err != nil {
		return err
	}
	if len(live) == 0 {
		return nil
	}
	p := live[0]
	return fmt.Errorf("digests run --now: duehub serve (pid %d on %s, last seen %s ago) is planning digests on this database "+
		"on the real clock; a second clock could mark its digests expired or empty. Stop serve first, "+
		"or run `duehub digests run` without --now, which shares serve's clock",
		p.PID, p.Host, time.Since(p.SeenAt).Round(time.Second))
}
