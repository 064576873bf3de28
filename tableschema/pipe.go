package tableschema

import "runtime"

// Pipe feeds a Validator from another goroutine: Row copies the row (the
// cell strings are shared, not copied) into a batch and returns at once,
// while the checks run on a goroutine of their own. A loop that reads,
// normalises and writes rows thus validates them on a second core almost
// for free. Close waits for the checks and returns the report. A Pipe is
// used by one goroutine; the Validator must not be used until Close.
type Pipe struct {
	v     *Validator
	cur   *rowBatch
	full  chan *rowBatch
	free  chan *rowBatch
	done  chan struct{}
	close bool
}

// rowBatch is a run of rows: row i is cells[ends[i-1]:ends[i]].
type rowBatch struct {
	lines []int
	ends  []int
	cells []string
}

const (
	pipeBatch   = 512 // rows a batch
	pipeBatches = 4   // batches in flight
)

// Pipe starts checking rows on another goroutine; see Pipe.
func (v *Validator) Pipe() *Pipe {
	if !v.started {
		v.start()
	}
	p := &Pipe{
		v:    v,
		full: make(chan *rowBatch, pipeBatches),
		free: make(chan *rowBatch, pipeBatches),
		done: make(chan struct{}),
	}
	for range pipeBatches {
		p.free <- &rowBatch{lines: make([]int, 0, pipeBatch), ends: make([]int, 0, pipeBatch)}
	}
	go p.run()
	return p
}

func (p *Pipe) run() {
	defer close(p.done)
	for b := range p.full {
		start := 0
		for i, end := range b.ends {
			p.v.Row(b.lines[i], b.cells[start:end:end])
			start = end
		}
		clear(b.cells) // let the strings go
		b.lines, b.ends, b.cells = b.lines[:0], b.ends[:0], b.cells[:0]
		p.free <- b
	}
}

// Row queues one row for checking; cells is not kept, its strings are.
func (p *Pipe) Row(line int, cells []string) {
	if p.cur == nil {
		p.cur = <-p.free
	}
	b := p.cur
	b.lines = append(b.lines, line)
	b.cells = append(b.cells, cells...)
	b.ends = append(b.ends, len(b.cells))
	if len(b.lines) == pipeBatch {
		p.full <- b
		p.cur = nil
	}
}

// Close checks the rows still queued and returns the report.
func (p *Pipe) Close() *Report {
	if !p.close {
		p.close = true
		if p.cur != nil && len(p.cur.lines) > 0 {
			p.full <- p.cur
			p.cur = nil
		}
		close(p.full)
	}
	<-p.done
	return p.v.Report()
}

// parallel reports whether a second core may run a Pipe.
func parallel() bool { return runtime.GOMAXPROCS(0) > 1 }
