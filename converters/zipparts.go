package converters

import (
	"archive/zip"
	"io"
	"path"
	"strings"
)

const (
	defaultMaxUnzip = 4 << 30
	defaultMaxPart  = 256 << 20
	maxColumns      = 16384
	maxRows         = 1 << 20
)

func (o Options) maxUnzip() int64 {
	if o.MaxUnzipSize > 0 {
		return o.MaxUnzipSize
	}
	return defaultMaxUnzip
}

func (o Options) maxPart() int64 {
	if o.MaxPartSize > 0 {
		return o.MaxPartSize
	}
	return defaultMaxPart
}

// openZip opens an XLSX or ODS container and refuses it when it would
// unpack to more than the limit. archive/zip stops any entry that inflates
// past its declared size, so declared sizes bound the work.
func openZip(ra io.ReaderAt, size int64, kind string, opts Options) (*zip.Reader, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, errorf(KindInvalid, err,
			"This %s file is damaged or truncated (its ZIP structure cannot be read): save it again from the spreadsheet program.",
			"Ce fichier %s est endommagé ou tronqué (sa structure ZIP est illisible) : enregistrez-le de nouveau depuis le tableur.", kind)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(opts.maxUnzip()) {
			return nil, errorf(KindTooLarge, nil,
				"This %s file would unpack to more than %s: it is refused as a possible zip bomb. Split the data or export it as CSV.",
				"Ce fichier %s occuperait plus de %s une fois décompressé : il est refusé, car il pourrait s'agir d'une bombe de décompression (zip bomb). Répartissez les données dans plusieurs fichiers ou exportez-les au format CSV.",
				kind, sizePhrase(opts.maxUnzip()))
		}
	}
	return zr, nil
}

// zipEntry finds an entry by name, ignoring case and a leading slash.
func zipEntry(zr *zip.Reader, name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	for _, f := range zr.File {
		if strings.EqualFold(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"), name) {
			return f
		}
	}
	return nil
}

// openPart opens a zip entry for streaming, refusing entries larger than
// limit (0: no limit beyond the file's).
func openPart(f *zip.File, kind string, limit int64) (io.ReadCloser, error) {
	if limit > 0 && f.UncompressedSize64 > uint64(limit) {
		return nil, errorf(KindTooLarge, nil,
			"The part %s of this %s file would unpack to more than %s: it is refused as a possible zip bomb.",
			"La partie %s de ce fichier %s occuperait plus de %s une fois décompressée : elle est refusée, car il pourrait s'agir d'une bombe de décompression (zip bomb).",
			f.Name, kind, sizePhrase(limit))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errorf(KindInvalid, err,
			"The part %s of this %s file cannot be read (%v): save the file again from the spreadsheet program.",
			"La partie %s de ce fichier %s est illisible (%v) : enregistrez de nouveau le fichier depuis le tableur.", f.Name, kind, err)
	}
	return rc, nil
}

// partError turns a read error inside a zip part into an *Error.
func partError(err error, part, kind string) error {
	if _, ok := AsError(err); ok {
		return err
	}
	return errorf(KindInvalid, err,
		"The part %s of this %s file is damaged (%v): save the file again from the spreadsheet program.",
		"La partie %s de ce fichier %s est endommagée (%v) : enregistrez de nouveau le fichier depuis le tableur.", part, kind, err)
}

// resolvePart resolves a relationship target against the part holding it.
func resolvePart(base, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Join(path.Dir(base), target)
}

func colIndex(ref []byte) (int, bool) {
	col := 0
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		if col > maxColumns {
			return 0, false
		}
		i++
	}
	if i == 0 {
		return 0, false
	}
	return col - 1, true
}

// cellRef parses "AB12" into a 0-based column and a 1-based row.
func cellRef(ref []byte) (col, row int, ok bool) {
	col, ok = colIndex(ref)
	if !ok {
		return 0, 0, false
	}
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		i++
	}
	if i == len(ref) || len(ref)-i > 8 {
		return 0, 0, false
	}
	for _, c := range ref[i:] {
		if !isDigit(c) {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
	}
	return col, row, row > 0
}
