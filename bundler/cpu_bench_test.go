package bundler_test

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU adds cpu-ns/op, the process's user+system CPU time per
// operation (GC included), next to ns/op: on a shared machine the wall
// time of an op says more about the neighbours than about the code.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
