package payers

import "context"

// ActorOf is the vendor member acting in ctx (WithActor), 0 for none: the
// API, an emailed answer, a job.
func ActorOf(ctx context.Context) int64 {
	id, _ := actor(ctx).(int64)
	return id
}
