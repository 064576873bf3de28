package dcat

import (
	"strings"

	"github.com/passerelle/passerelle/catalog"
)

// EU authority tables (publications.europa.eu) used by DCAT-AP.
const (
	authority       = "http://publications.europa.eu/resource/authority/"
	fileTypeBase    = authority + "file-type/"
	languageFRA     = authority + "language/FRA"
	accessPublic    = authority + "access-right/PUBLIC"
	availabilityURI = authority + "planned-availability/"
	dataThemeScheme = authority + "data-theme"
	frequencyScheme = authority + "frequency"
	fileTypeScheme  = authority + "file-type"
	languageScheme  = authority + "language"
	accessScheme    = authority + "access-right"
	availScheme     = authority + "planned-availability"
	publisherScheme = "http://purl.org/adms/publishertype/1.0"
	licenceScheme   = "http://purl.org/adms/licencetype/1.0"
	ianaMediaTypes  = "https://www.iana.org/assignments/media-types/"
	publisherTypes  = "http://purl.org/adms/publishertype/"
	licenceTypes    = "http://purl.org/adms/licencetype/"
	// checksumSHA256 is the SPDX algorithm as DCAT-AP 3.0.1's vocabulary
	// shape asks for it (https); see Mapper.Checksums.
	checksumSHA256 = "https://spdx.org/rdf/terms#checksumAlgorithm_sha256"
)

// fileTypes maps the formats resources declare to EU file-type codes.
var fileTypes = map[string]string{
	"CSV": "CSV", "TSV": "TSV", "TXT": "TXT", "XLS": "XLS", "XLSX": "XLSX", "ODS": "ODS",
	"JSON": "JSON", "GEOJSON": "GEOJSON", "XML": "XML", "PDF": "PDF", "ZIP": "ZIP",
	"SHP": "SHP", "KML": "KML", "KMZ": "KMZ", "GPKG": "GPKG", "RDF": "RDF",
	"TTL": "RDF_TURTLE", "TURTLE": "RDF_TURTLE", "JSON-LD": "JSON_LD", "JSONLD": "JSON_LD",
	"HTML": "HTML", "PARQUET": "PARQUET", "DOCX": "DOCX", "ODT": "ODT", "PNG": "PNG",
	"JPEG": "JPEG", "JPG": "JPEG", "GZ": "GZIP", "API": "", "WMS": "WMS_SRVC", "WFS": "WFS_SRVC",
}

// fileTypeURI returns the EU file-type URI of a resource format, or "".
func fileTypeURI(format string) string {
	code := fileTypes[strings.ToUpper(strings.TrimSpace(format))]
	if code == "" {
		return ""
	}
	return fileTypeBase + code
}

// mediaTypeURI returns the IANA URI of a "type/subtype" media type, or "".
func mediaTypeURI(mt string) string {
	mt, _, _ = strings.Cut(strings.TrimSpace(strings.ToLower(mt)), ";")
	t, sub, ok := strings.Cut(mt, "/")
	if !ok || t == "" || sub == "" || strings.ContainsAny(mt, " \"<>") {
		return ""
	}
	return ianaMediaTypes + mt
}

// licenceTypes of the licences the catalogue offers (ADMS licence type
// vocabulary).
var licenceTypeOf = map[string]string{
	"lov2": "Attribution", "fr-lo": "Attribution", "cc-by": "Attribution", "odc-by": "Attribution",
	"other-at": "Attribution", "odc-odbl": "ShareAlike", "cc-by-sa": "ShareAlike",
	"cc-zero": "PublicDomain", "odc-pddl": "PublicDomain", "other-pd": "PublicDomain",
	"other-closed": "ReservationOfRights",
}

// licenceURI is the URI a licence is given in the feeds: its canonical
// document as data.gouv.fr matches it, or one of ours for generic ids.
// "notspecified" and unknown ids have none.
func (m *Mapper) licenceURI(id string) (string, catalog.License, bool) {
	l, ok := catalog.LicenseByID(id)
	if !ok || id == "notspecified" {
		return "", l, false
	}
	if l.URL != "" {
		return l.URL, l, true
	}
	return m.BaseURL + "/licenses/" + l.ID, l, true
}

// schemeTitles name the concept schemes the feeds refer to; each concept
// node says which scheme it is in, as the DCAT-AP vocabulary shapes check.
var schemeTitles = map[string]string{
	dataThemeScheme: "Data theme", frequencyScheme: "Frequency", fileTypeScheme: "File type",
	languageScheme: "Language", accessScheme: "Access right", availScheme: "Planned availability",
	publisherScheme: "Publisher type", licenceScheme: "Licence type",
}

// concept returns a vocabulary concept node in scheme, typed extra types
// too, with its labels.
func concept(uri, scheme string, types []string, labels ...Term) []*Node {
	c := &Node{ID: IRI(uri), Types: append([]string{NSSKOS + "Concept"}, types...)}
	for _, l := range labels {
		c.Add(NSSKOS+"prefLabel", l)
	}
	c.Add(NSSKOS+"inScheme", IRI(scheme))
	s := &Node{ID: IRI(scheme), Types: []string{NSSKOS + "ConceptScheme"}}
	s.Add(NSDCT+"title", LangLit(schemeTitles[scheme], "en"))
	return []*Node{c, s}
}
