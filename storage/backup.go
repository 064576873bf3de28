package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

// BackupFormat is the version of the backup layout written by Backup.
const BackupFormat = 1

// manifestFile is the name of a backup's manifest.
const manifestFile = "manifest.json"

// Manifest describes a backup: what it holds and the checksum of every
// file, so that a restore can tell a complete, intact copy.
type Manifest struct {
	Format    int       `json:"format"`
	Version   string    `json:"version"` // of the passerelle that wrote it
	Created   time.Time `json:"created"`
	Datasets  int       `json:"datasets"`
	Resources int       `json:"resources"`
	Tables    int       `json:"tables"`
	Blobs     int       `json:"blobs"`
	// Missing lists files the catalogue refers to that were already gone
	// from the blob store (passerelle check reports them too).
	Missing []string       `json:"missing,omitempty"`
	Files   []ManifestFile `json:"files"`
}

// ManifestFile is one file of a backup, by its slash-separated path
// inside the backup directory.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// backupTries bounds how often Backup starts over when a table the
// snapshot refers to was replaced before it could be copied.
const backupTries = 3

// Backup writes a consistent copy of a SQLite data directory to dir,
// which must be empty or not exist: a snapshot of the catalogue (VACUUM
// INTO, safe while a server writes), the datastore tables and the stored
// files it refers to (copied from blobs, local or S3), and a manifest. It
// refuses a PostgreSQL catalogue: pg_dump backs that up.
func Backup(ctx context.Context, db *DB, blobs catalog.BlobStore, dataDir, dir, version string) (*Manifest, error) {
	if db.dialect != SQLite {
		return nil, errors.New("backup copies a SQLite data directory; this catalogue is in PostgreSQL: back it up with pg_dump (catalogue and datastore schemas together) and keep the bucket's files with versioning or a bucket copy (see docs/deploy.md)")
	}
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	var lastErr error
	for range backupTries {
		m, err := backupOnce(ctx, db, blobs, dataDir, dir, version)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, errTableReplaced) {
			return nil, err
		}
		lastErr = err
		if err := clearDir(dir); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("backup: the catalogue kept changing under it (%d tries): %w", backupTries, lastErr)
}

// errTableReplaced is a datastore table the snapshot refers to that was
// dropped before it was copied (a newer ingestion replaced it).
var errTableReplaced = errors.New("a datastore table was replaced during the backup")

func backupOnce(ctx context.Context, db *DB, blobs catalog.BlobStore, dataDir, dir, version string) (*Manifest, error) {
	m := &Manifest{Format: BackupFormat, Version: version, Created: time.Now().UTC().Truncate(time.Second)}
	snap := filepath.Join(dir, sqliteFile)
	// VACUUM INTO reads one transaction's view of the catalogue. It runs
	// on a connection of its own: the pool's keep prepared statements,
	// which VACUUM refuses to run beside.
	conn, err := sql.Open("sqlite3", sqliteDSN(filepath.Join(dataDir, sqliteFile)))
	if err != nil {
		return nil, fmt.Errorf("backup catalogue: %w", err)
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", snap)
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("backup catalogue: %w", err)
	}
	if err := requeueInSnapshot(ctx, snap); err != nil {
		return nil, err
	}
	refs, err := readRefs(ctx, snap)
	if err != nil {
		return nil, err
	}
	m.Datasets, m.Resources, m.Tables = refs.datasets, refs.resources, len(refs.tables)
	if err := addFile(m, dir, sqliteFile); err != nil {
		return nil, err
	}
	// Committed datastore files and stored files never change: copying
	// them after the snapshot gives the snapshot's version.
	src := filepath.Join(dataDir, sqliteDSDir)
	for _, t := range refs.tables {
		rel := path.Join(sqliteDSDir, t+sqliteDSExt)
		err := copyFile(filepath.Join(src, t+sqliteDSExt), filepath.Join(dir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", errTableReplaced, t)
		}
		if err != nil {
			return nil, fmt.Errorf("backup datastore table %s: %w", t, err)
		}
		if err := addFile(m, dir, rel); err != nil {
			return nil, err
		}
	}
	for _, key := range refs.blobs {
		rel := path.Join("blobs", key)
		err := copyBlob(ctx, blobs, key, filepath.Join(dir, filepath.FromSlash(rel)))
		if catalog.ErrorKind(err) == catalog.KindNotFound {
			m.Missing = append(m.Missing, key)
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := addFile(m, dir, rel); err != nil {
			return nil, err
		}
		m.Blobs++
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(dir, manifestFile), append(b, '\n')); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	return m, nil
}

// requeueInSnapshot makes the snapshot a single file and puts the ingestions running when the snapshot was
// taken back in the snapshot's queue: no worker holds them in the copy, and
// a restored server should take them at once, not after their lease.
func requeueInSnapshot(ctx context.Context, file string) error {
	// A rollback journal: the copy is one self-contained file.
	conn, err := sql.Open("sqlite3", sqliteURI(file, map[string][]string{"_journal_mode": {"DELETE"}}))
	if err != nil {
		return fmt.Errorf("backup catalogue: %w", err)
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `UPDATE ingest_jobs SET state = ?, worker = '', lease_until = NULL WHERE state = ?`,
		string(catalog.IngestPending), string(catalog.IngestRunning))
	if err != nil {
		return fmt.Errorf("backup catalogue: requeue running ingestions: %w", err)
	}
	return conn.Close()
}

// backupRefs is what a catalogue snapshot refers to.
type backupRefs struct {
	datasets, resources int
	tables, blobs       []string
}

// readRefs reads the tables and files a catalogue file refers to: those
// of resources, and the files of queued ingestions.
func readRefs(ctx context.Context, file string) (*backupRefs, error) {
	sqlDB, err := sql.Open("sqlite3", sqliteURI(file, map[string][]string{"mode": {"ro"}}))
	if err != nil {
		return nil, fmt.Errorf("read backup catalogue: %w", err)
	}
	defer sqlDB.Close()
	refs := &backupRefs{}
	if err := sqlDB.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM datasets), (SELECT count(*) FROM resources)`).
		Scan(&refs.datasets, &refs.resources); err != nil {
		return nil, fmt.Errorf("read backup catalogue: %w", err)
	}
	list := func(query string, args ...any) ([]string, error) {
		rows, err := sqlDB.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("read backup catalogue: %w", err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, fmt.Errorf("read backup catalogue: %w", err)
			}
			out = append(out, s)
		}
		return out, rows.Err()
	}
	if refs.tables, err = list(`SELECT DISTINCT datastore_table FROM resources WHERE datastore_table <> '' ORDER BY 1`); err != nil {
		return nil, err
	}
	refs.blobs, err = list(`SELECT blob_key FROM resources WHERE blob_key <> ''
		UNION SELECT blob_key FROM ingest_jobs WHERE blob_key <> '' AND state IN (?, ?) ORDER BY 1`,
		string(catalog.IngestPending), string(catalog.IngestRunning))
	if err != nil {
		return nil, err
	}
	for _, t := range refs.tables {
		if !validTableName(t) {
			return nil, fmt.Errorf("read backup catalogue: datastore table name %q", t)
		}
	}
	for _, k := range refs.blobs {
		if !validBlobKey(k) {
			return nil, fmt.Errorf("read backup catalogue: blob key %q", k)
		}
	}
	return refs, nil
}

// validBlobKey tells whether key is a relative slash path without tricks,
// safe to join to a directory.
func validBlobKey(key string) bool {
	return key != "" && !strings.HasPrefix(key, "/") && path.Clean(key) == key && !strings.HasPrefix(key, "../") && key != ".."
}

// Restore copies the backup in dir into dataDir, and its files into the
// blob store at blobURL ("" for the data directory's), after checking
// every file against the manifest. dataDir must be empty unless force,
// which replaces its catalogue, datastore, files and temporary files. No
// server may be running on dataDir.
func Restore(ctx context.Context, dir, dataDir, blobURL string, force bool) (*Manifest, error) {
	m, err := VerifyBackup(dir)
	if err != nil {
		return nil, err
	}
	if err := emptyDir(dataDir); err != nil {
		if !force {
			return nil, fmt.Errorf("%w; add --force to replace its catalogue, datastore and files", err)
		}
		for _, name := range []string{sqliteFile, sqliteFile + "-wal", sqliteFile + "-shm", sqliteDSDir, "tmp"} {
			if err := os.RemoveAll(filepath.Join(dataDir, name)); err != nil {
				return nil, fmt.Errorf("clear data directory: %w", err)
			}
		}
		if blobURL == "" {
			if err := os.RemoveAll(filepath.Join(dataDir, "blobs")); err != nil {
				return nil, fmt.Errorf("clear data directory: %w", err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(dataDir, sqliteDSDir), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	blobs, err := OpenBlobStore(ctx, blobURL, dataDir)
	if err != nil {
		return nil, err
	}
	if c, ok := blobs.(io.Closer); ok {
		defer c.Close()
	}
	// The catalogue goes last: a restore stopped half-way leaves no
	// catalogue that refers to files not there yet.
	for _, f := range m.Files {
		src := filepath.Join(dir, filepath.FromSlash(f.Path))
		switch {
		case f.Path == sqliteFile:
		case strings.HasPrefix(f.Path, sqliteDSDir+"/"):
			if err := copyFile(src, filepath.Join(dataDir, filepath.FromSlash(f.Path))); err != nil {
				return nil, fmt.Errorf("restore %s: %w", f.Path, err)
			}
		case strings.HasPrefix(f.Path, "blobs/"):
			if err := putFile(ctx, blobs, strings.TrimPrefix(f.Path, "blobs/"), src); err != nil {
				return nil, fmt.Errorf("restore %s: %w", f.Path, err)
			}
		}
	}
	if err := copyFile(filepath.Join(dir, sqliteFile), filepath.Join(dataDir, sqliteFile)); err != nil {
		return nil, fmt.Errorf("restore catalogue: %w", err)
	}
	return m, nil
}

// VerifyBackup reads the manifest of the backup in dir and checks every
// file it lists: present, same size, same SHA-256.
func VerifyBackup(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s is not a passerelle backup (no readable %s): %w", dir, manifestFile, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("backup manifest %s: %w", filepath.Join(dir, manifestFile), err)
	}
	if m.Format != BackupFormat {
		return nil, fmt.Errorf("backup %s has format %d; this passerelle reads format %d", dir, m.Format, BackupFormat)
	}
	hasCatalogue := false
	for _, f := range m.Files {
		if !validBlobKey(f.Path) {
			return nil, fmt.Errorf("backup manifest lists a file outside the backup: %q", f.Path)
		}
		hasCatalogue = hasCatalogue || f.Path == sqliteFile
		size, sum, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return nil, fmt.Errorf("backup file %s: %w", f.Path, err)
		}
		if size != f.Size || sum != f.SHA256 {
			return nil, fmt.Errorf("backup file %s is damaged: %d bytes with SHA-256 %s, the manifest says %d bytes with %s", f.Path, size, sum, f.Size, f.SHA256)
		}
	}
	if !hasCatalogue {
		return nil, fmt.Errorf("backup %s holds no catalogue (%s)", dir, sqliteFile)
	}
	return &m, nil
}

// emptyDir creates dir if needed and fails if it holds anything.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

// clearDir empties dir, which Backup created or found empty.
func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("clear %s: %w", dir, err)
		}
	}
	return nil
}

// addFile records the file at rel in dir in the manifest.
func addFile(m *Manifest, dir, rel string) error {
	size, sum, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return fmt.Errorf("backup %s: %w", rel, err)
	}
	m.Files = append(m.Files, ManifestFile{Path: rel, Size: size, SHA256: sum})
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	return nil
}

func hashFile(p string) (int64, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// copyFile copies src to dst, creating dst's directory, and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFrom(dst, in)
}

// copyBlob copies the stored file key to dst.
func copyBlob(ctx context.Context, blobs catalog.BlobStore, key, dst string) error {
	rc, err := blobs.Open(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := writeFrom(dst, rc); err != nil {
		return fmt.Errorf("backup file %s: %w", key, err)
	}
	return nil
}

// putFile stores the file at src under key.
func putFile(ctx context.Context, blobs catalog.BlobStore, key, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return blobs.Put(ctx, key, f)
}

func writeFrom(dst string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeFileSync(p string, b []byte) error {
	return writeFrom(p, bytes.NewReader(b))
}
