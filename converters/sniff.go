package converters

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// Format is a tabular file format this package reads.
type Format string

// The formats Open reads. Tab- and pipe-separated text files are FormatCSV
// with their own delimiter.
const (
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
	FormatODS  Format = "ods"
)

// sniffSize is how many leading bytes DetectFormat needs to decide.
const sniffSize = 8 << 10

var refuseHint = phrase{
	"export the data as CSV, XLSX or ODS and upload that file instead",
	"exportez les données au format CSV, XLSX ou ODS, puis déposez ce fichier à la place",
}

// DetectFormat tells the format of a file from its content, not its name: an
// ODS named .xls is ODS. head is the start of the file (8 KiB is enough); ra
// and size give access to the whole file, needed to look inside ZIP and OLE2
// containers (ra may be nil, and then every ZIP is taken as XLSX). Anything
// that is not a CSV/TSV/TXT, XLSX or ODS file returns an *Error of kind
// KindUnsupported whose message says what the file is and what to do.
func DetectFormat(head []byte, ra io.ReaderAt, size int64) (Format, error) {
	if len(head) == 0 {
		return "", errorf(KindEmpty, ErrNoTable,
			"The file is empty.",
			"Le fichier est vide.")
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		if ra == nil {
			return FormatXLSX, nil
		}
		return detectZip(ra, size)
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return "", detectOLE(ra)
	}
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) && (m.also == "" || bytes.Contains(head[:min(len(head), 16)], []byte(m.also))) {
			return "", errorf(KindUnsupported, nil,
				"This file is %s, not a table: %s.",
				"Ce fichier est %s, et non un tableau : %s.", m.what, refuseHint)
		}
	}
	if err := detectMarkup(head); err != nil {
		return "", err
	}
	if looksBinary(head) {
		return "", errorf(KindUnsupported, nil,
			"This file holds binary data, not text or a spreadsheet: %s.",
			"Ce fichier contient des données binaires, et non du texte ou une feuille de calcul : %s.", refuseHint)
	}
	return FormatCSV, nil
}

var magics = []struct {
	prefix, also string
	what         phrase
}{
	{"%PDF-", "", phrase{"a PDF document", "un document PDF"}},
	{"\x89PNG\r\n\x1a\n", "", phrase{"a PNG image", "une image PNG"}},
	{"\xFF\xD8\xFF", "", phrase{"a JPEG image", "une image JPEG"}},
	{"GIF87a", "", phrase{"a GIF image", "une image GIF"}},
	{"GIF89a", "", phrase{"a GIF image", "une image GIF"}},
	{"II*\x00", "", phrase{"a TIFF image", "une image TIFF"}},
	{"MM\x00*", "", phrase{"a TIFF image", "une image TIFF"}},
	{"RIFF", "WEBP", phrase{"a WebP image", "une image WebP"}},
	{"\x1F\x8B", "", phrase{"a gzip-compressed archive (extract the table from it first)", "une archive compressée gzip (extrayez-en d'abord le tableau)"}},
	{"7z\xBC\xAF\x27\x1C", "", phrase{"a 7-Zip archive (extract the table from it first)", "une archive 7-Zip (extrayez-en d'abord le tableau)"}},
	{"Rar!\x1A\x07", "", phrase{"a RAR archive (extract the table from it first)", "une archive RAR (extrayez-en d'abord le tableau)"}},
	{"{\\rtf", "", phrase{"an RTF text document", "un document texte RTF"}},
	{"\x7FELF", "", phrase{"a program", "un programme"}},
}

// detectMarkup refuses HTML, XML and JSON documents, which web
// applications often export with a .xls or .csv name.
func detectMarkup(head []byte) error {
	s := bytes.TrimLeft(bytes.TrimPrefix(head, []byte(bomUTF8)), " \t\r\n")
	lower := strings.ToLower(string(s[:min(len(s), 512)]))
	switch {
	case strings.HasPrefix(lower, "<!doctype html"), strings.HasPrefix(lower, "<html"),
		strings.HasPrefix(lower, "<table"), strings.HasPrefix(lower, "<meta"):
		return errorf(KindUnsupported, nil,
			"This file is an HTML page (web applications often name it .xls), not a spreadsheet: open it in LibreOffice or Excel and save it as XLSX, ODS or CSV.",
			"Ce fichier est une page HTML (que les applications web nomment souvent .xls), et non une feuille de calcul : ouvrez-le dans LibreOffice ou Excel et enregistrez-le au format XLSX, ODS ou CSV.")
	case strings.HasPrefix(lower, "<?xml"):
		whole := strings.ToLower(string(s))
		switch {
		case strings.Contains(whole, "urn:schemas-microsoft-com:office:spreadsheet"):
			return errorf(KindUnsupported, nil,
				"This file is an Excel 2003 XML spreadsheet, which Passerelle cannot read: open it in Excel or LibreOffice and save it as XLSX or ODS.",
				"Ce fichier est une feuille de calcul XML Excel 2003, que Passerelle ne sait pas lire : ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format XLSX ou ODS.")
		case strings.Contains(whole, "office:document"):
			return errorf(KindUnsupported, nil,
				"This file is a flat OpenDocument XML file: open it in LibreOffice and save it as ODS or XLSX.",
				"Ce fichier est un fichier OpenDocument en XML à plat : ouvrez-le dans LibreOffice et enregistrez-le au format ODS ou XLSX.")
		}
		return errorf(KindUnsupported, nil,
			"This file is an XML document, not a table: %s.",
			"Ce fichier est un document XML, et non un tableau : %s.", refuseHint)
	case strings.HasPrefix(lower, "{"), strings.HasPrefix(lower, "[{"), strings.HasPrefix(lower, "[\n"), strings.HasPrefix(lower, "[ "):
		return errorf(KindUnsupported, nil,
			"This file looks like JSON, not a table: %s.",
			"Ce fichier semble être du JSON, et non un tableau : %s.", refuseHint)
	}
	return nil
}

// looksBinary reports whether head is neither text in an 8-bit or UTF-8
// encoding nor UTF-16 text.
func looksBinary(head []byte) bool {
	if bytes.HasPrefix(head, []byte(bomUTF16LE)) || bytes.HasPrefix(head, []byte(bomUTF16BE)) || utf16Guess(head) != 0 {
		return false
	}
	ctrl := 0
	for _, b := range head {
		if b == 0 {
			return true
		}
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1A {
			ctrl++
		}
	}
	return ctrl*20 > len(head) // more than 5 % control bytes
}

// detectZip tells XLSX and ODS from other ZIP-based files by their entries.
func detectZip(ra io.ReaderAt, size int64) (Format, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return "", errorf(KindInvalid, err,
			"This file starts like a ZIP archive (XLSX or ODS) but is damaged or truncated: save it again from the spreadsheet program.",
			"Ce fichier commence comme une archive ZIP (XLSX ou ODS) mais il est endommagé ou tronqué : enregistrez-le de nouveau depuis le tableur.")
	}
	has := func(name string) *zip.File {
		for _, f := range zr.File {
			if strings.EqualFold(strings.TrimPrefix(f.Name, "/"), name) {
				return f
			}
		}
		return nil
	}
	if f := has("mimetype"); f != nil && f.UncompressedSize64 < 256 {
		mt := readSmall(f)
		switch {
		case strings.HasPrefix(mt, "application/vnd.oasis.opendocument.spreadsheet"):
			return FormatODS, nil
		case strings.HasPrefix(mt, "application/vnd.oasis.opendocument.text"):
			return "", errorf(KindUnsupported, nil,
				"This file is an OpenDocument text document (ODT), not a spreadsheet: %s.",
				"Ce fichier est un document texte OpenDocument (ODT), et non une feuille de calcul : %s.", refuseHint)
		case strings.HasPrefix(mt, "application/vnd.oasis.opendocument."):
			return "", errorf(KindUnsupported, nil,
				"This file is an OpenDocument file but not a spreadsheet (%s): %s.",
				"Ce fichier OpenDocument n'est pas une feuille de calcul (%s) : %s.", mt, refuseHint)
		}
	}
	switch {
	case has("xl/workbook.xml") != nil:
		return FormatXLSX, nil
	case has("xl/workbook.bin") != nil:
		return "", errorf(KindUnsupported, nil,
			"This file is a binary Excel workbook (.xlsb), which Passerelle cannot read: open it in Excel and save it as XLSX.",
			"Ce fichier est un classeur Excel binaire (.xlsb), que Passerelle ne sait pas lire : ouvrez-le dans Excel et enregistrez-le au format XLSX.")
	case has("content.xml") != nil:
		return FormatODS, nil
	case has("word/document.xml") != nil:
		return "", errorf(KindUnsupported, nil,
			"This file is a Word document, not a spreadsheet: %s.",
			"Ce fichier est un document Word, et non une feuille de calcul : %s.", refuseHint)
	case has("ppt/presentation.xml") != nil:
		return "", errorf(KindUnsupported, nil,
			"This file is a PowerPoint presentation, not a spreadsheet: %s.",
			"Ce fichier est une présentation PowerPoint, et non une feuille de calcul : %s.", refuseHint)
	case has("index/document.iwa") != nil:
		return "", errorf(KindUnsupported, nil,
			"This file is an Apple Numbers document: in Numbers, export it to Excel (XLSX) or CSV.",
			"Ce fichier est un document Apple Numbers : dans Numbers, exportez-le au format Excel (XLSX) ou CSV.")
	}
	if f := has("[content_types].xml"); f != nil {
		for _, zf := range zr.File {
			if strings.HasSuffix(strings.ToLower(zf.Name), "/workbook.xml") {
				return FormatXLSX, nil
			}
		}
	}
	return "", errorf(KindUnsupported, nil,
		"This file is a ZIP archive, not a spreadsheet: extract the table from it and upload that file.",
		"Ce fichier est une archive ZIP, et non une feuille de calcul : extrayez-en le tableau et déposez ce fichier.")
}

func readSmall(f *zip.File) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 256))
	return strings.TrimSpace(string(b))
}

// detectOLE names the kind of an OLE2 compound file: legacy XLS, an
// encrypted (password-protected) workbook or a Word document.
func detectOLE(ra io.ReaderAt) (err error) {
	legacy := errorf(KindUnsupported, nil,
		"This file is a legacy Excel 97-2003 workbook (.xls), which Passerelle cannot read: open it in Excel or LibreOffice and save it as XLSX or ODS.",
		"Ce fichier est un ancien classeur Excel 97-2003 (.xls), que Passerelle ne sait pas lire : ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format XLSX ou ODS.")
	if ra == nil {
		return legacy
	}
	defer func() {
		// mscfb is third-party code reading untrusted bytes: a panic in it
		// must not take the process down.
		if recover() != nil {
			err = legacy
		}
	}()
	doc, e := mscfb.New(ra)
	if e != nil {
		return legacy
	}
	for n := 0; n < 10000; n++ {
		f, e := doc.Next()
		if e != nil {
			break
		}
		switch f.Name {
		case "Workbook", "Book":
			return legacy
		case "EncryptedPackage":
			return errorf(KindUnsupported, nil,
				"This workbook is protected by a password: remove the password in Excel or LibreOffice, save it as XLSX or ODS, and upload it again.",
				"Ce classeur est protégé par un mot de passe : retirez le mot de passe dans Excel ou LibreOffice, enregistrez-le au format XLSX ou ODS, puis déposez-le de nouveau.")
		case "WordDocument":
			return errorf(KindUnsupported, nil,
				"This file is a legacy Word document (.doc), not a spreadsheet: %s.",
				"Ce fichier est un ancien document Word (.doc), et non une feuille de calcul : %s.", refuseHint)
		}
	}
	return legacy
}
