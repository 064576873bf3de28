package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // registers s3:// with blob.OpenBucket
	"gocloud.dev/gcerrors"

	"github.com/passerelle/passerelle/catalog"
)

// OpenBlobStore opens the store of uploaded and generated files: a
// directory "blobs" under dataDir when rawURL is empty, or any bucket URL
// gocloud.dev understands (s3://bucket?endpoint=…&use_path_style=true for
// S3-compatible servers).
func OpenBlobStore(ctx context.Context, rawURL, dataDir string) (catalog.BlobStore, error) {
	if rawURL == "" {
		dir := filepath.Join(dataDir, "blobs")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create blob directory: %w", err)
		}
		// Temporary files next to the final ones, so that the rename that
		// publishes a file is atomic; no metadata sidecar files.
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
		if err != nil {
			return nil, fmt.Errorf("open blob directory %s: %w", dir, err)
		}
		return &localBlobs{bucketBlobs: bucketBlobs{b: b}, dir: dir}, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("blob URL %q: want empty (files in the data directory) or s3://bucket?…", rawURL)
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("open blob store %s://%s: %w", u.Scheme, u.Host, err)
	}
	return &bucketBlobs{b: b}, nil
}

// bucketBlobs is a catalog.BlobStore on a gocloud.dev bucket.
type bucketBlobs struct{ b *blob.Bucket }

func (s *bucketBlobs) Put(ctx context.Context, key string, r io.Reader) error {
	// Cancelling the writer's context before Close aborts the write: a
	// reader that fails half-way must not publish half a file (Upload
	// would commit what it had).
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The type is only a label here: files are served with their
	// resource's mimetype.
	w, err := s.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("store blob %s: %w", key, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel()
		w.Close()
		return fmt.Errorf("store blob %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("store blob %s: %w", key, err)
	}
	return nil
}

func (s *bucketBlobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, blobError(key, err)
	}
	return r, nil
}

func (s *bucketBlobs) Stat(ctx context.Context, key string) (int64, time.Time, error) {
	a, err := s.b.Attributes(ctx, key)
	if err != nil {
		return 0, time.Time{}, blobError(key, err)
	}
	return a.Size, a.ModTime, nil
}

func (s *bucketBlobs) Delete(ctx context.Context, key string) error {
	err := s.b.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

func (s *bucketBlobs) Ping(ctx context.Context) error {
	ok, err := s.b.IsAccessible(ctx)
	if err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	if !ok {
		return errors.New("blob store: bucket is not accessible")
	}
	return nil
}

func (s *bucketBlobs) List(ctx context.Context, prefix string, fn func(key string, size int64, modified time.Time) error) error {
	it := s.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list blobs: %w", err)
		}
		if obj.IsDir {
			continue
		}
		if err := fn(obj.Key, obj.Size, obj.ModTime); err != nil {
			return err
		}
	}
}

// Close closes the bucket.
func (s *bucketBlobs) Close() error { return s.b.Close() }

func blobError(key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return &catalog.Error{Kind: catalog.KindNotFound, Msg: "File not found", Err: err}
	}
	return fmt.Errorf("read blob %s: %w", key, err)
}

// localBlobs is the default store: a directory of the data directory.
type localBlobs struct {
	bucketBlobs
	dir string
}

var _ catalog.LocalBlobStore = (*localBlobs)(nil)

// Put stores the file and flushes it and its directory to disk before
// returning, as the datastore does its tables: the catalogue commits a
// reference to the file next, and that reference must not outlive the
// file after a power cut (fileblob renames without syncing).
func (s *localBlobs) Put(ctx context.Context, key string, r io.Reader) error {
	p := filepath.Join(s.dir, filepath.FromSlash(key))
	sync := []string{p, filepath.Dir(p)}
	if _, err := os.Stat(filepath.Dir(p)); err != nil { // its directory is new too
		sync = append(sync, filepath.Dir(filepath.Dir(p)))
	}
	if err := s.bucketBlobs.Put(ctx, key, r); err != nil {
		return err
	}
	for _, f := range sync {
		if err := syncFile(f); err != nil {
			return fmt.Errorf("store blob %s: sync: %w", key, err)
		}
	}
	return nil
}

// LocalPath implements catalog.LocalBlobStore.
func (s *localBlobs) LocalPath(key string) (string, error) {
	if strings.Contains(key, "..") || strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("blob key %q is not a store key", key)
	}
	p := filepath.Join(s.dir, filepath.FromSlash(key))
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", &catalog.Error{Kind: catalog.KindNotFound, Msg: "File not found", Err: err}
		}
		return "", err
	}
	return p, nil
}
