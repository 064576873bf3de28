package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	"testing"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // s3:// URLs
)

// BlobURLEnv names the variable that points the suites at an
// S3-compatible bucket, as a gocloud.dev URL:
// s3://bucket?endpoint=http://127.0.0.1:8333&use_path_style=true&region=us-east-1
// (credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
const BlobURLEnv = "PASSERELLE_TEST_BLOB_URL"

// S3URL returns the bucket URL of BlobURLEnv narrowed to a fresh key prefix,
// so that runs sharing a bucket never see each other's files; the objects
// under the prefix are deleted when the test ends. It skips the test when
// the variable is unset, except under CI=true, where it fails: CI must
// test real object storage.
func S3URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(BlobURLEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must test S3-compatible storage (scripts/test starts a SeaweedFS server)", BlobURLEnv)
		}
		t.Skipf("S3 test skipped: set %s=s3://bucket?endpoint=…&use_path_style=true (scripts/test starts a SeaweedFS server)", BlobURLEnv)
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "s3" {
		t.Fatalf("%s=%q: want s3://bucket?…", BlobURLEnv, base)
	}
	b := make([]byte, 6)
	rand.Read(b)
	q := u.Query()
	q.Set("prefix", q.Get("prefix")+"test-"+hex.EncodeToString(b)+"/")
	u.RawQuery = q.Encode()
	rawURL := u.String()
	t.Cleanup(func() {
		if err := emptyBucket(rawURL); err != nil {
			t.Logf("clean up %s: %v", rawURL, err)
		}
	})
	return rawURL
}

// emptyBucket deletes every object the bucket URL reaches.
func emptyBucket(rawURL string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return err
	}
	defer b.Close()
	it := b.List(nil)
	var errs []error
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if !obj.IsDir {
			errs = append(errs, b.Delete(ctx, obj.Key))
		}
	}
	return errors.Join(errs...)
}
