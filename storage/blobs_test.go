package storage_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "gocloud.dev/blob/memblob" // mem:// stands in for a remote bucket

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

// TestBlobStores runs one suite on the local directory and on a bucket
// reached by URL (in memory here; S3-compatible servers are tested in the
// scale-out suite).
func TestBlobStores(t *testing.T) {
	for name, rawURL := range map[string]string{"directory": "", "bucket": "mem://"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dataDir := t.TempDir()
			s, err := storage.OpenBlobStore(ctx, rawURL, dataDir)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			content := []byte("commune;population\nArles;52000\n")
			key := catalog.BlobKey("4f2a9c")
			if key != "sha256/4f/4f2a9c" {
				t.Errorf("BlobKey = %s", key)
			}
			if err := s.Put(ctx, key, bytes.NewReader(content)); err != nil {
				t.Fatal(err)
			}
			size, _, err := s.Stat(ctx, key)
			if err != nil || size != int64(len(content)) {
				t.Errorf("Stat = %d, %v", size, err)
			}
			rc, err := s.Open(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, content) {
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
			// A failed write publishes nothing.
			if err := s.Put(ctx, catalog.BlobKey("dead"), io.MultiReader(strings.NewReader("half"), failingReader{})); err == nil {
				t.Error("Put of a failing reader succeeded")
			}
			if rc, err := s.Open(ctx, catalog.BlobKey("dead")); catalog.ErrorKind(err) != catalog.KindNotFound {
				if err == nil {
					rc.Close()
				}
				t.Errorf("a half-written blob is visible: %v", err)
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
			// No temporary file is left behind by the aborted write.
			filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					t.Errorf("left in the data directory: %s", p)
				}
				return nil
			})
		})
	}
	if _, err := storage.OpenBlobStore(context.Background(), "nothing-like-a-url", t.TempDir()); err == nil {
		t.Error("a bad blob URL was accepted")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
