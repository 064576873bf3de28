package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

// Workers run queued ingestions in the background.
type Workers struct {
	Pipeline *Pipeline
	// N is how many ingestions run at once.
	N int
	// Poll is how often idle workers look for jobs queued by another
	// process; jobs queued by this one wake them at once (Notify).
	Poll time.Duration

	wake chan struct{}
	once sync.Once
}

func (w *Workers) init() {
	w.once.Do(func() { w.wake = make(chan struct{}, 1) })
}

// Notify tells idle workers that a job was queued.
func (w *Workers) Notify() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run runs the workers until ctx is done, then waits for running
// ingestions to record their state (a stopped ingestion goes back in the
// queue).
func (w *Workers) Run(ctx context.Context) {
	w.init()
	n := max(1, w.N)
	poll := w.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	prefix := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			w.loop(ctx, id, poll)
		}(fmt.Sprintf("%s/%d", prefix, i))
	}
	wg.Wait()
}

func (w *Workers) loop(ctx context.Context, worker string, poll time.Duration) {
	p := w.Pipeline
	lease := p.Lease
	if lease <= 0 {
		lease = 30 * time.Second
	}
	for ctx.Err() == nil {
		job, err := p.Jobs.Claim(ctx, worker, lease)
		if err == nil {
			p.Run(ctx, job, worker, nil) // the outcome is recorded in the queue
			w.Notify()                   // there may be more: let a sibling look too
			continue
		}
		if catalog.ErrorKind(err) != catalog.KindNotFound && ctx.Err() == nil {
			p.Log.Warn("claim ingestion job", "worker", worker, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-time.After(poll):
		}
	}
}
