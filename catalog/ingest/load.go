package ingest

import (
	"context"
	"fmt"
	"io"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
)

// batchRows is how many rows travel together from the reader to the
// loader.
const batchRows = 512

// load reads every row of r, normalises it, writes it to the normalised
// CSV and appends it to the datastore table. Reading and normalising run
// in one goroutine, writing and loading in another, so that both cores
// work. progress sees the count of loaded rows now and then.
func load(ctx context.Context, r *converters.Reader, cw *converters.Writer, tw catalog.TableWriter, progress func(int64)) (int64, error) {
	batches := make(chan [][]string, 4)
	free := make(chan [][]string, 6)
	readErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		readErr <- readBatches(ctx, r, cw, batches, free)
	}()
	var loaded int64
	var loadErr error
	for batch := range batches {
		if loadErr == nil {
			for _, vals := range batch {
				if err := cw.WriteValues(vals); err != nil {
					loadErr = fmt.Errorf("write normalised file: %w", err)
					break
				}
				if err := tw.Append(vals); err != nil {
					loadErr = fmt.Errorf("load row %d: %w", loaded+1, err)
					break
				}
				loaded++
				if loaded%heartbeatRows == 0 {
					progress(loaded)
				}
			}
			if loadErr != nil {
				cancel() // stop the reader
			}
		}
		select {
		case free <- batch:
		default:
		}
	}
	if err := <-readErr; err != nil && loadErr == nil {
		return loaded, err
	}
	if loadErr != nil {
		return loaded, loadErr
	}
	progress(loaded)
	return loaded, ctx.Err()
}

// readBatches reads rows, turns them into normalised values and sends them
// in batches. Batches come back through free to be reused.
func readBatches(ctx context.Context, r *converters.Reader, cw *converters.Writer, out chan<- [][]string, free chan [][]string) error {
	newBatch := func() [][]string {
		select {
		case b := <-free:
			return b[:0]
		default:
			return make([][]string, 0, batchRows)
		}
	}
	batch := newBatch()
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return tableError(err)
		}
		var dst []string
		if len(batch) < cap(batch) {
			dst = batch[:len(batch)+1][len(batch)]
		}
		vals, _ := cw.Values(dst, row)
		batch = append(batch, vals)
		if len(batch) == batchRows {
			select {
			case out <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = newBatch()
		}
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
