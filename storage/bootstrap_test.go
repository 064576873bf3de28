package storage_test

import (
	"context"
	"sync"
	"testing"

	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// TestBootstrapTokenConcurrent stores the bootstrap token from several
// connections at once, as instances started together with the same
// PASSERELLE_BOOTSTRAP_TOKEN do: none fails, and one stores it. A few
// rounds, since the race is a matter of timing.
func TestBootstrapTokenConcurrent(t *testing.T) {
	for range 4 {
		storagetest.Run(t, func(t *testing.T, db *storage.DB) { bootstrapConcurrently(t, db, 12) })
	}
}

func bootstrapConcurrently(t *testing.T, db *storage.DB, n int) {
	tokens := storage.NewTokenService(db)
	start := make(chan struct{})
	created := make([]bool, n)
	errs := make([]error, n)
	var wg, warm sync.WaitGroup
	warm.Add(n)
	for i := range n {
		wg.Go(func() {
			// A first query each, at once, so that the pool holds a
			// connection per caller and the calls below overlap.
			tokens.Authenticate(context.Background(), "psl_warm-up")
			warm.Done()
			<-start
			created[i], errs[i] = tokens.EnsureBootstrapToken(context.Background(), "psl_same-secret-everywhere")
		})
	}
	warm.Wait()
	close(start)
	wg.Wait()
	stored := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("call %d: %v", i, errs[i])
		}
		if created[i] {
			stored++
		}
	}
	if stored != 1 {
		t.Errorf("%d calls report storing the token, want 1", stored)
	}
	if p, err := tokens.Authenticate(context.Background(), "psl_same-secret-everywhere"); err != nil || !p.Sysadmin {
		t.Errorf("bootstrap principal %+v, %v", p, err)
	}
}
