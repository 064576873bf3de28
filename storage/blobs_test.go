package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "gocloud.dev/blob/memblob" // mem:// stands in for a remote bucket

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// TestBlobStores runs one suite on the local directory, on a bucket in
// memory, and on a real S3-compatible server when PASSERELLE_TEST_BLOB_URL
// names one (scripts/test starts SeaweedFS; under CI=true the S3 run fails
// rather than skips without it).
func TestBlobStores(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(testing.TB) string
	}{
		{"directory", func(testing.TB) string { return "" }},
		{"memory", func(testing.TB) string { return "mem://" }},
		{"s3", storagetest.S3URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testBlobStore(t, tc.url(t))
		})
	}
	if _, err := storage.OpenBlobStore(context.Background(), "nothing-like-a-url", t.TempDir()); err == nil {
		t.Error("a bad blob URL was accepted")
	}
}

func testBlobStore(t *testing.T, rawURL string) {
	ctx := context.Background()
	dataDir := t.TempDir()
	s, err := storage.OpenBlobStore(ctx, rawURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, ok := s.(io.Closer); ok {
			c.Close()
		}
	})
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	content := []byte("commune;population\nArles;52000\n")
	key := catalog.BlobKey("4f2a9c")
	if key != "sha256/4f/4f2a9c" {
		t.Errorf("BlobKey = %s", key)
	}

	t.Run("round trip", func(t *testing.T) {
		if err := s.Put(ctx, key, bytes.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		size, modified, err := s.Stat(ctx, key)
		if err != nil || size != int64(len(content)) || modified.IsZero() {
			t.Errorf("Stat = %d, %v, %v", size, modified, err)
		}
		if got := readBlob(t, s, key); !bytes.Equal(got, content) {
			t.Errorf("read back %q", got)
		}
		if l, ok := s.(catalog.LocalBlobStore); ok {
			p, err := l.LocalPath(key)
			if b, _ := os.ReadFile(p); err != nil || !bytes.Equal(b, content) {
				t.Errorf("LocalPath %s: %v", p, err)
			}
			if _, err := l.LocalPath("../../etc/passwd"); err == nil {
				t.Error("LocalPath accepted a path outside the store")
			}
		}
		// Writing a key again replaces its content whole.
		again := []byte("commune;population\nArles;52001\nNîmes;148000\n")
		if err := s.Put(ctx, key, bytes.NewReader(again)); err != nil {
			t.Fatal(err)
		}
		if got := readBlob(t, s, key); !bytes.Equal(got, again) {
			t.Errorf("after a second Put, read back %q", got)
		}
	})

	t.Run("missing key", func(t *testing.T) {
		missing := catalog.BlobKey("0000missing")
		if rc, err := s.Open(ctx, missing); catalog.ErrorKind(err) != catalog.KindNotFound {
			if err == nil {
				rc.Close()
			}
			t.Errorf("Open of a missing blob: %v, want a not-found error", err)
		}
		if _, _, err := s.Stat(ctx, missing); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("Stat of a missing blob: %v, want a not-found error", err)
		}
		if err := s.Delete(ctx, missing); err != nil {
			t.Errorf("Delete of a missing blob: %v", err)
		}
	})

	// A Put that fails or is cancelled half-way publishes nothing: not a
	// small write, nor one large enough to go up in several parts.
	t.Run("failed writes publish nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			put  func(key string) error
		}{
			{"reader fails early", func(key string) error {
				return s.Put(ctx, key, io.MultiReader(strings.NewReader("half"), failingReader{}))
			}},
			{"reader fails after 12 MiB", func(key string) error {
				return s.Put(ctx, key, io.MultiReader(io.LimitReader(newNoise(1), 12<<20), failingReader{}))
			}},
			{"context cancelled after 7 MiB", func(key string) error {
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				return s.Put(cctx, key, &cancelAfter{r: newNoise(2), n: 7 << 20, cancel: cancel})
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				k := catalog.BlobKey("dead" + strings.ReplaceAll(tc.name, " ", "-"))
				if err := tc.put(k); err == nil {
					t.Fatal("Put succeeded")
				}
				if rc, err := s.Open(ctx, k); catalog.ErrorKind(err) != catalog.KindNotFound {
					if err == nil {
						rc.Close()
					}
					t.Errorf("a half-written blob is visible: %v", err)
				}
			})
		}
	})

	// A file larger than a multipart upload's part streams through
	// without being held whole, and comes back byte for byte.
	t.Run("large streamed object", func(t *testing.T) {
		const size = 40 << 20
		big := catalog.BlobKey("b16b16")
		want := sha256.New()
		if err := s.Put(ctx, big, io.TeeReader(io.LimitReader(newNoise(3), size), want)); err != nil {
			t.Fatal(err)
		}
		n, _, err := s.Stat(ctx, big)
		if err != nil || n != size {
			t.Errorf("Stat = %d, %v; want %d", n, err, size)
		}
		rc, err := s.Open(ctx, big)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.New()
		read, err := io.Copy(got, rc)
		rc.Close()
		if err != nil || read != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
			t.Errorf("read back %d bytes (%v), SHA-256 equal: %v", read, err, bytes.Equal(got.Sum(nil), want.Sum(nil)))
		}
		if err := s.Delete(ctx, big); err != nil {
			t.Error(err)
		}
	})

	// List is what passerelle check walks the store with.
	t.Run("list", func(t *testing.T) {
		keys := map[string]int64{catalog.BlobKey("aa01"): 3, catalog.BlobKey("aa02"): 5, catalog.BlobKey("bb01"): 8}
		for k, n := range keys {
			if err := s.Put(ctx, k, io.LimitReader(newNoise(4), n)); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]int64{}
		err := s.List(ctx, "sha256/aa/", func(key string, size int64, modified time.Time) error {
			if modified.IsZero() {
				t.Errorf("%s: no modification time", key)
			}
			got[key] = size
			return nil
		})
		if err != nil || len(got) != 2 || got[catalog.BlobKey("aa01")] != 3 || got[catalog.BlobKey("aa02")] != 5 {
			t.Errorf("List sha256/aa/ = %v, %v", got, err)
		}
		stop := errors.New("enough")
		calls := 0
		err = s.List(ctx, "", func(string, int64, time.Time) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("List stopped by its callback: %d calls, %v", calls, err)
		}
		for k := range keys {
			if err := s.Delete(ctx, k); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := s.Put(ctx, key, bytes.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("deleting a missing blob: %v", err)
		}
		if _, _, err := s.Stat(ctx, key); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("Stat of a deleted blob: %v", err)
		}
	})

	if strings.HasPrefix(rawURL, "s3:") {
		// Ping is what /readyz asks: a bucket that is not there fails it.
		u, _ := url.Parse(rawURL)
		u.Host = "no-such-bucket-passerelle"
		other, err := storage.OpenBlobStore(ctx, u.String(), dataDir)
		if err != nil {
			t.Fatal(err)
		}
		if err := other.Ping(ctx); err == nil {
			t.Errorf("Ping of a missing bucket succeeded")
		}
	}

	// No temporary file is left behind by the aborted writes.
	filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left in the data directory: %s", p)
		}
		return nil
	})
}

func readBlob(t *testing.T, s catalog.BlobStore, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// noise is an endless stream of pseudo-random bytes: large test files
// without holding them in memory, and not compressible by accident.
type noise struct{ r *rand.ChaCha8 }

func newNoise(seed byte) *noise {
	var s [32]byte
	s[0] = seed
	return &noise{r: rand.NewChaCha8(s)}
}

func (n *noise) Read(p []byte) (int, error) { return n.r.Read(p) }

// cancelAfter reads r and cancels a context once n bytes have gone, as a
// server stopping in the middle of an upload; the data keeps coming (8 MiB
// more), so only the cancellation can stop the write.
type cancelAfter struct {
	r      io.Reader
	n      int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
		if c.n <= -8<<20 {
			return 0, io.EOF
		}
	}
	if int64(len(p)) > c.n && c.n > 0 {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}
