package bench

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/duehub/duehub/notify"
)

// discard is a notify.Sender that accepts every message and keeps only
// counts: the digest-build figure measures building and rendering, not a
// provider.
type discard struct {
	messages atomic.Int64
	bytes    atomic.Int64
}

func (d *discard) Send(_ context.Context, m notify.Message) (notify.Result, error) {
	n := d.messages.Add(1)
	d.bytes.Add(int64(len(m.Subject) + len(m.Text) + len(m.HTML)))
	return notify.Result{ProviderID: "discard-" + strconv.FormatInt(n, 10)}, nil
}
