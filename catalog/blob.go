package catalog

import (
	"context"
	"io"
	"time"
)

// BlobStore keeps uploaded and generated files by content: the key of a
// file is derived from its SHA-256 (BlobKey), never from a user's file name.
type BlobStore interface {
	// Put stores the content of r under key. Writing is atomic: a reader
	// never sees a partial file.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns a reader of the file under key, or a KindNotFound error.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat returns the size and modification time of the file under key,
	// or a KindNotFound error.
	Stat(ctx context.Context, key string) (size int64, modified time.Time, err error)
	// Delete removes the file under key; a missing file is not an error.
	Delete(ctx context.Context, key string) error
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// List calls fn for every stored file whose key starts with prefix,
	// with its size and modification time; an error from fn stops the
	// listing and is returned.
	List(ctx context.Context, prefix string, fn func(key string, size int64, modified time.Time) error) error
}

// LocalBlobStore is a BlobStore on the local file system that can hand out
// a file's path, saving a copy when a reader needs random access.
type LocalBlobStore interface {
	BlobStore
	// LocalPath returns the path of the file under key.
	LocalPath(key string) (string, error)
}

// BlobKey returns the store key of a file whose SHA-256 is hexSum.
func BlobKey(hexSum string) string {
	if len(hexSum) < 2 {
		return "sha256/" + hexSum
	}
	return "sha256/" + hexSum[:2] + "/" + hexSum
}
