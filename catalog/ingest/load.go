package ingest

import (
	"context"
	"fmt"
	"io"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
	"github.com/passerelle/passerelle/tableschema"
)

// Loading runs on two goroutines: one reads, parses and normalises the
// rows, the other writes and loads them, so that both cores work. Rows
// travel in a fixed set of batches that go back and forth: memory stays
// flat whatever the file's size.
const (
	batchRows = 256 // rows per batch
	batches   = 4   // batches in existence
)

// rowBatch is rows handed from the reading goroutine to the other: their
// values end to end, width per row. The strings are the reader's own,
// which it never changes.
type rowBatch struct {
	vals  []string
	width int
}

func (b *rowBatch) len() int { return len(b.vals) / b.width }

func (b *rowBatch) row(k int) []string {
	return b.vals[k*b.width : (k+1)*b.width : (k+1)*b.width]
}

// pipeRows reads every row of r on a goroutine of its own, turns each into
// width values with prep (nil: the row as read, padded or cut to width; a
// nil result skips the row) and hands them to use in batches, on the
// caller's goroutine. It returns the first error of either side, after
// the reading goroutine has stopped.
func pipeRows(ctx context.Context, r *converters.Reader, width int, prep func(dst, row []string) []string, use func(*rowBatch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *rowBatch, batches)
	free := make(chan *rowBatch, batches)
	for range batches {
		free <- &rowBatch{vals: make([]string, 0, batchRows*width), width: width}
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		readErr <- fillBatches(ctx, r, width, prep, full, free)
	}()
	var useErr error
	for b := range full {
		if useErr == nil {
			if useErr = use(b); useErr != nil {
				cancel() // stop the reader
			}
		}
		free <- b // never blocks: free has room for every batch
	}
	if err := <-readErr; err != nil && useErr == nil {
		return err
	}
	return useErr
}

// fillBatches reads rows into batches taken from free and sends them on
// full.
func fillBatches(ctx context.Context, r *converters.Reader, width int, prep func(dst, row []string) []string, full chan<- *rowBatch, free <-chan *rowBatch) error {
	var b *rowBatch
	for n := 1; ; n++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return tableError(err)
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if b == nil {
			select {
			case b = <-free:
				b.vals = b.vals[:0]
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		n := len(b.vals)
		dst := b.vals[n : n+width : n+width]
		if prep != nil {
			if row = prep(dst[:0], row); row == nil {
				continue
			}
		}
		// In place when prep filled dst; a copy of the row's strings
		// otherwise.
		k := copy(dst, row)
		clear(dst[k:])
		b.vals = b.vals[:n+width]
		if len(b.vals) == cap(b.vals) {
			select {
			case full <- b:
				b = nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if b != nil && len(b.vals) > 0 {
		select {
		case full <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// load reads every row of r, normalises it with cw (schema's types),
// writes it to the normalised CSV and appends it to the datastore table.
// Reading and normalising run in one goroutine, writing and loading in
// another (and the datastore may execute its inserts in a third).
//
// With inf, the reading goroutine also classifies every row; when the
// types inferred so far stop being schema's, or a value does not fit its
// type, loading stops there and the rest of the table is only classified:
// load returns diverged, and the table is to be thrown away. It returns the count of rows read; progress
// sees the count of loaded rows now and then.
//
// With check, every row as read (before normalisation: a Table Schema
// describes the file's own values) is also handed to a Table Schema
// validator, which runs on a goroutine of its own.
//
// prof sees every loaded row's normalised values.
func load(ctx context.Context, r *converters.Reader, cw *converters.Writer, tw catalog.TableWriter, schema *converters.Schema, inf *converters.Inferrer, check *tableschema.Pipe, prof *profiler, progress func(int64)) (read int64, diverged bool, err error) {
	var loaded int64
	err = pipeRows(ctx, r, len(schema.Fields), func(dst, row []string) []string {
		read++
		if check != nil {
			check.Row(r.Line(), row)
		}
		if inf == nil {
			vals, _ := cw.Values(dst, row)
			return vals
		}
		inf.Add(row)
		if !diverged && read%heartbeatRows == 0 && !sameTypes(inf.Schema(), schema) {
			diverged = true
		}
		if diverged {
			return nil
		}
		// A value that does not fit schema's type changes that type.
		vals, invalid := cw.Values(dst, row)
		if invalid > 0 {
			diverged = true
			return nil
		}
		return vals
	}, func(b *rowBatch) error {
		for k := range b.len() {
			vals := b.row(k)
			if err := cw.WriteValues(vals); err != nil {
				return fmt.Errorf("write normalised file: %w", err)
			}
			if err := tw.Append(vals); err != nil {
				return fmt.Errorf("load row %d: %w", loaded+1, err)
			}
			prof.add(vals)
			loaded++
			if loaded%heartbeatRows == 0 {
				progress(loaded)
			}
		}
		return nil
	})
	if err != nil {
		return read, false, err
	}
	if inf != nil && !diverged && !sameTypes(inf.Schema(), schema) {
		diverged = true
	}
	if !diverged {
		progress(loaded)
	}
	return read, diverged, ctx.Err()
}

// sameTypes tells whether two schemas of one table give its fields the
// same types: the normalised values and the datastore columns are then
// the same.
func sameTypes(a, b *converters.Schema) bool {
	if len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i] != b.Fields[i] {
			return false
		}
	}
	return true
}
