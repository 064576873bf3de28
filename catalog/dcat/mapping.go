package dcat

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

// Mapper describes the catalogue in DCAT-AP 3. URIs are built from
// BaseURL and never change: a dataset is BaseURL/dataset/{id}, a
// distribution BaseURL/dataset/{id}/resource/{rid}.
type Mapper struct {
	BaseURL         string
	SiteTitle       string
	SiteDescription string
}

// DatasetURI is the stable URI of a dataset.
func (m *Mapper) DatasetURI(d *catalog.Dataset) string { return m.BaseURL + "/dataset/" + d.ID }

// CatalogURI is the catalogue's URI: its DCAT endpoint.
func (m *Mapper) CatalogURI() string { return m.BaseURL + "/catalog" }

// Document writes the nodes of one RDF document: vocabulary nodes (themes,
// licences, formats…) are written once, and blank node labels are unique.
type Document struct {
	m     *Mapper
	enc   Encoder
	seen  map[string]bool
	blank int
}

// NewDocument starts a document written by enc.
func (m *Mapper) NewDocument(enc Encoder) *Document {
	return &Document{m: m, enc: enc, seen: map[string]bool{}}
}

// Close ends the document.
func (doc *Document) Close() error { return doc.enc.Close() }

func (doc *Document) newBlank() Term {
	doc.blank++
	return Blank(fmt.Sprintf("b%d", doc.blank))
}

// once writes a node the first time its IRI is met in the document.
func (doc *Document) once(n *Node) error {
	if doc.seen[n.ID.Value] {
		return nil
	}
	doc.seen[n.ID.Value] = true
	return doc.enc.Node(n)
}

// Page is one page of a paged catalogue.
type Page struct {
	Number, PerPage, Total int
	// URL returns the address of page n.
	URL      func(n int) string
	Modified time.Time // the latest change in the catalogue
	Issued   time.Time // the first dataset's creation
	Datasets []*catalog.Dataset
}

// Catalog writes the catalogue node with the page's datasets and the
// paging nodes, with both Hydra vocabularies: hydra:PartialCollectionView
// with next/previous/first/last, and the older hydra:PagedCollection with
// nextPage/previousPage/firstPage/lastPage, as udata's and ckanext-dcat's
// harvesters read one or the other.
func (doc *Document) Catalog(p Page) error {
	m := doc.m
	cat := &Node{ID: IRI(m.CatalogURI()), Types: []string{NSDCAT + "Catalog", NSHYDRA + "Collection"}}
	cat.AddLit(NSDCT+"title", m.SiteTitle)
	cat.AddLit(NSDCT+"description", m.SiteDescription)
	publisher := m.BaseURL + "/#publisher"
	cat.Add(NSDCT+"publisher", IRI(publisher))
	cat.Add(NSFOAF+"homepage", IRI(m.BaseURL+"/"))
	cat.Add(NSDCT+"language", IRI(languageFRA))
	cat.Add(NSDCAT+"themeTaxonomy", IRI(dataThemeScheme))
	if !p.Issued.IsZero() {
		cat.Add(NSDCT+"issued", dateTime(p.Issued))
	}
	if !p.Modified.IsZero() {
		cat.Add(NSDCT+"modified", dateTime(p.Modified))
	}
	// The catalogue's own records are published under the Licence Ouverte.
	catLicence, lic, _ := m.licenceURI("lov2")
	cat.Add(NSDCT+"license", IRI(catLicence))
	for _, d := range p.Datasets {
		cat.Add(NSDCAT+"dataset", IRI(m.DatasetURI(d)))
	}
	cat.Add(NSHYDRA+"totalItems", Typed(strconv.Itoa(p.Total), NSXSD+"integer"))
	last := max(1, (p.Total+p.PerPage-1)/p.PerPage)
	if p.Total > 0 {
		cat.Add(NSHYDRA+"view", IRI(p.URL(p.Number)))
	}
	if err := doc.enc.Node(cat); err != nil {
		return err
	}
	if p.Total > 0 {
		view := &Node{ID: IRI(p.URL(p.Number)), Types: []string{NSHYDRA + "PartialCollectionView", NSHYDRA + "PagedCollection"}}
		link := func(rel, old string, n int) {
			view.Add(NSHYDRA+rel, IRI(p.URL(n)))
			view.Add(NSHYDRA+old, IRI(p.URL(n)))
		}
		link("first", "firstPage", 1)
		if p.Number > 1 {
			link("previous", "previousPage", min(p.Number-1, last))
		}
		if p.Number < last {
			link("next", "nextPage", p.Number+1)
		}
		link("last", "lastPage", last)
		view.Add(NSHYDRA+"totalItems", Typed(strconv.Itoa(p.Total), NSXSD+"integer"))
		view.Add(NSHYDRA+"itemsPerPage", Typed(strconv.Itoa(p.PerPage), NSXSD+"integer"))
		if err := doc.enc.Node(view); err != nil {
			return err
		}
	}
	pub := &Node{ID: IRI(publisher), Types: []string{NSFOAF + "Agent"}}
	pub.AddLit(NSFOAF+"name", m.SiteTitle)
	pub.Add(NSDCT+"type", IRI(publisherTypes+"LocalAuthority"))
	if err := doc.once(pub); err != nil {
		return err
	}
	for _, n := range append(m.licenceNodes(lic), concept(publisherTypes+"LocalAuthority", publisherScheme, nil,
		LangLit("Local Authority", "en"), LangLit("Collectivité territoriale", "fr"))...) {
		if err := doc.once(n); err != nil {
			return err
		}
	}
	if err := doc.once(&Node{ID: IRI(m.BaseURL + "/"), Types: []string{NSFOAF + "Document"}}); err != nil {
		return err
	}
	return doc.vocabulary()
}

// vocabulary writes the nodes of the vocabularies the catalogue uses.
func (doc *Document) vocabulary() error {
	for _, n := range concept(languageFRA, languageScheme, []string{NSDCT + "LinguisticSystem"}, LangLit("français", "fr"), LangLit("French", "en")) {
		if err := doc.once(n); err != nil {
			return err
		}
	}
	return doc.once((&Node{ID: IRI(dataThemeScheme), Types: []string{NSSKOS + "ConceptScheme"}}).
		Add(NSDCT+"title", LangLit("Data theme", "en")))
}

func dateTime(t time.Time) Term {
	return Typed(t.UTC().Format("2006-01-02T15:04:05Z"), NSXSD+"dateTime")
}

// temporalTerm is a temporal bound as xsd:date or xsd:dateTime.
func temporalTerm(v string) (Term, bool) {
	t, ok := catalog.ParseTemporal(v)
	if !ok {
		return Term{}, false
	}
	if len(v) == len("2006-01-02") {
		return Typed(v, NSXSD+"date"), true
	}
	return dateTime(t), true
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Dataset writes a dataset, its distributions and the nodes they refer to.
func (doc *Document) Dataset(d *catalog.Dataset) error {
	m := doc.m
	if err := doc.vocabulary(); err != nil {
		return err
	}
	ds := &Node{ID: IRI(m.DatasetURI(d)), Types: []string{NSDCAT + "Dataset"}}
	ds.Add(NSDCT+"identifier", Lit(d.ID))
	ds.AddLit(NSDCT+"title", d.Title)
	ds.AddLit(NSDCT+"description", d.Notes)
	for _, t := range d.Tags {
		ds.Add(NSDCAT+"keyword", Lit(t.Name))
	}
	var extra []*Node
	for _, th := range d.Themes {
		uri, ok := catalog.NormalizeTheme(th)
		if !ok {
			continue
		}
		ds.Add(NSDCAT+"theme", IRI(uri))
		for _, t := range catalog.DataThemes() {
			if t.URI() == uri {
				extra = append(extra, concept(uri, dataThemeScheme, nil, LangLit(t.LabelFR, "fr"), LangLit(t.LabelEN, "en"))...)
			}
		}
	}
	if d.Frequency != "" {
		if uri, ok := catalog.NormalizeFrequency(d.Frequency); ok {
			ds.Add(NSDCT+"accrualPeriodicity", IRI(uri))
			code := strings.TrimPrefix(uri, catalog.FrequencyBase)
			extra = append(extra, concept(uri, frequencyScheme, []string{NSDCT + "Frequency"}, Lit(code))...)
		}
	}
	var blanks []*Node
	if d.TemporalStart != "" || d.TemporalEnd != "" {
		pot := &Node{ID: doc.newBlank(), Types: []string{NSDCT + "PeriodOfTime"}}
		if t, ok := temporalTerm(d.TemporalStart); ok {
			pot.Add(NSDCAT+"startDate", t)
		}
		if t, ok := temporalTerm(d.TemporalEnd); ok {
			pot.Add(NSDCAT+"endDate", t)
		}
		ds.Add(NSDCT+"temporal", pot.ID)
		blanks = append(blanks, pot)
	}
	if d.SpatialURI != "" {
		ds.Add(NSDCT+"spatial", IRI(d.SpatialURI))
		extra = append(extra, &Node{ID: IRI(d.SpatialURI), Types: []string{NSDCT + "Location"}})
	}
	if d.Spatial != "" {
		// DCAT-AP 3 wants locn:geometry to be a locn:Geometry node; udata
		// reads only literals typed application/vnd.geo+json (or its own
		// WKT type) on the location, whatever the predicate: the envelope
		// goes there as dcat:bbox, the exact shape in the geometry node.
		loc := &Node{ID: doc.newBlank(), Types: []string{NSDCT + "Location"}}
		geom := &Node{ID: doc.newBlank(), Types: []string{NSLOCN + "Geometry"}}
		geom.Add(NSGSP+"asGeoJSON", Typed(d.Spatial, NSGSP+"geoJSONLiteral"))
		if wkt, ok := bboxWKT(d.Spatial); ok {
			geom.Add(NSGSP+"asWKT", Typed(wkt, NSGSP+"wktLiteral"))
		}
		loc.Add(NSLOCN+"geometry", geom.ID)
		if box, ok := bboxGeoJSON(d.Spatial); ok {
			loc.Add(NSDCAT+"bbox", Typed(box, geoJSONMediaType))
		}
		ds.Add(NSDCT+"spatial", loc.ID)
		blanks = append(blanks, loc, geom)
	}
	if d.Organization != nil {
		ds.Add(NSDCT+"publisher", IRI(m.orgURI(d.Organization)))
		extra = append(extra, m.publisherNodes(d.Organization)...)
	}
	if name, email := contactOf(d); name != "" || email != "" {
		cp := &Node{ID: doc.newBlank(), Types: []string{NSVCARD + "Kind", NSVCARD + "Organization"}}
		cp.AddLit(NSVCARD+"fn", name)
		if email != "" {
			cp.Add(NSVCARD+"hasEmail", IRI("mailto:"+email))
		}
		ds.Add(NSDCAT+"contactPoint", cp.ID)
		blanks = append(blanks, cp)
	}
	landing := d.URL
	if landing == "" {
		landing = m.BaseURL + "/dataset/" + d.Name
	}
	ds.Add(NSDCAT+"landingPage", IRI(landing))
	extra = append(extra, &Node{ID: IRI(landing), Types: []string{NSFOAF + "Document"}})
	ds.Add(NSDCT+"issued", dateTime(d.Created))
	ds.Add(NSDCT+"modified", dateTime(d.Modified))
	ds.AddLit(NSDCAT+"version", d.Version)
	ds.Add(NSDCT+"language", IRI(languageFRA))
	ds.Add(NSDCT+"accessRights", IRI(accessPublic))
	extra = append(extra, concept(accessPublic, accessScheme, []string{NSDCT + "RightsStatement"}, LangLit("public", "fr"))...)

	licence, lic, hasLicence := m.licenceURI(d.LicenseID)
	if hasLicence {
		// On the dataset too: udata reads it there first, and a dataset
		// without distributions would otherwise lose its licence.
		ds.Add(NSDCT+"license", IRI(licence))
		extra = append(extra, m.licenceNodes(lic)...)
	}
	var dists []*Node
	urls := map[string]bool{}
	for i := range d.Resources {
		r := &d.Resources[i]
		uri := m.DatasetURI(d) + "/resource/" + r.ID
		ds.Add(NSDCAT+"distribution", IRI(uri))
		dist := &Node{ID: IRI(uri), Types: []string{NSDCAT + "Distribution"}}
		dist.Add(NSDCT+"identifier", Lit(r.ID))
		dist.AddLit(NSDCT+"title", r.Name)
		dist.AddLit(NSDCT+"description", r.Description)
		// Compared as written: "a b" and "a%20b" are one URL to a harvester.
		if u := safeIRI(r.DownloadURL(m.BaseURL)); u != "" {
			// udata re-matches distributions by URL: two resources of one
			// dataset with one URL would merge, so later ones get their
			// id as a fragment (which never reaches the server).
			if urls[u] {
				if strings.Contains(u, "#") {
					u += "-" + r.ID
				} else {
					u += "#" + r.ID
				}
			}
			urls[u] = true
			dist.Add(NSDCAT+"accessURL", IRI(u))
			if r.URLType == "upload" || r.ResourceType == "" || r.ResourceType == "file" {
				dist.Add(NSDCAT+"downloadURL", IRI(u))
			}
		}
		if ft := fileTypeURI(r.Format); ft != "" {
			dist.Add(NSDCT+"format", IRI(ft))
			extra = append(extra, concept(ft, fileTypeScheme, []string{NSDCT + "MediaTypeOrExtent"}, Lit(strings.TrimPrefix(ft, fileTypeBase)))...)
		}
		if mt := mediaTypeURI(r.Mimetype); mt != "" {
			dist.Add(NSDCAT+"mediaType", IRI(mt))
			extra = append(extra, &Node{ID: IRI(mt), Types: []string{NSDCT + "MediaType"}})
		}
		if r.Size != nil {
			dist.Add(NSDCAT+"byteSize", Typed(strconv.FormatInt(*r.Size, 10), NSXSD+"nonNegativeInteger"))
		}
		// The checksum as DCAT-AP 3 has it: an xsd:hexBinary value and the
		// https SPDX algorithm. udata knows only the http algorithm and
		// skips this one; were it to read the value, it would get the bytes
		// rdflib makes of xsd:hexBinary and fail the dataset. The CKAN
		// dicts carry the hash for it.
		if sha256Re.MatchString(r.Hash) {
			ck := &Node{ID: doc.newBlank(), Types: []string{NSSPDX + "Checksum"}}
			ck.Add(NSSPDX+"algorithm", IRI(checksumSHA256))
			ck.Add(NSSPDX+"checksumValue", Typed(r.Hash, NSXSD+"hexBinary"))
			dist.Add(NSSPDX+"checksum", ck.ID)
			blanks = append(blanks, ck)
			extra = append(extra, &Node{ID: IRI(checksumSHA256), Types: []string{NSSPDX + "ChecksumAlgorithm"}})
		}
		if hasLicence {
			dist.Add(NSDCT+"license", IRI(licence))
		}
		if schema := r.ConformsTo(); schema != "" {
			dist.Add(NSDCT+"conformsTo", IRI(schema))
			extra = append(extra, &Node{ID: IRI(schema), Types: []string{NSDCT + "Standard"}})
		}
		availability := "AVAILABLE"
		if r.URLType == "upload" {
			availability = "STABLE"
		}
		dist.Add(NSDCATAP+"availability", IRI(availabilityURI+availability))
		extra = append(extra, concept(availabilityURI+availability, availScheme, nil, Lit(availability))...)
		dist.Add(NSDCT+"issued", dateTime(r.Created))
		dist.Add(NSDCT+"modified", dateTime(r.MetadataModified))
		dists = append(dists, dist)
	}
	if err := doc.enc.Node(ds); err != nil {
		return err
	}
	for _, group := range [][]*Node{dists, blanks} {
		for _, n := range group {
			if err := doc.enc.Node(n); err != nil {
				return err
			}
		}
	}
	for _, n := range extra {
		if err := doc.once(n); err != nil {
			return err
		}
	}
	return nil
}

func (m *Mapper) orgURI(o *catalog.Organization) string { return m.BaseURL + "/organization/" + o.ID }

// publisherNodes describe an organisation as a local authority (ADMS
// publisher type).
func (m *Mapper) publisherNodes(o *catalog.Organization) []*Node {
	pub := &Node{ID: IRI(m.orgURI(o)), Types: []string{NSFOAF + "Agent", NSFOAF + "Organization"}}
	pub.Add(NSFOAF+"name", Lit(o.DisplayTitle()))
	pub.Add(NSDCT+"type", IRI(publisherTypes+"LocalAuthority"))
	if o.Email != "" {
		pub.Add(NSFOAF+"mbox", IRI("mailto:"+o.Email))
	}
	if o.SIREN != "" {
		pub.Add(NSDCT+"identifier", Lit(o.SIREN))
	}
	return append([]*Node{pub}, concept(publisherTypes+"LocalAuthority", publisherScheme, nil,
		LangLit("Local Authority", "en"), LangLit("Collectivité territoriale", "fr"))...)
}

// contactOf picks the contact point as ckanext-dcat does: the contact
// fields, else the maintainer, else the author, else the organisation.
func contactOf(d *catalog.Dataset) (name, email string) {
	switch {
	case d.ContactName != "" || d.ContactEmail != "":
		return d.ContactName, d.ContactEmail
	case d.Maintainer != "" || d.MaintainerEmail != "":
		return d.Maintainer, d.MaintainerEmail
	case d.Author != "" || d.AuthorEmail != "":
		return d.Author, d.AuthorEmail
	case d.Organization != nil && d.Organization.Email != "":
		return d.Organization.DisplayTitle(), d.Organization.Email
	}
	return "", ""
}

// bboxWKT returns the bounding box of a GeoJSON Polygon or MultiPolygon
// as a WKT polygon.
func bboxWKT(geojson string) (string, bool) {
	minX, minY, maxX, maxY, ok := bbox(geojson)
	if !ok {
		return "", false
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return fmt.Sprintf("POLYGON((%s %s,%s %s,%s %s,%s %s,%s %s))",
		f(minX), f(minY), f(maxX), f(minY), f(maxX), f(maxY), f(minX), f(maxY), f(minX), f(minY)), true
}

// bbox is the envelope of a GeoJSON geometry's coordinates.
func bbox(geojson string) (minX, minY, maxX, maxY float64, ok bool) {
	var g struct {
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal([]byte(geojson), &g) != nil {
		return 0, 0, 0, 0, false
	}
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var walk func(v any)
	walk = func(v any) {
		l, isList := v.([]any)
		if !isList {
			return
		}
		if len(l) >= 2 {
			x, okx := l[0].(float64)
			y, oky := l[1].(float64)
			if okx && oky {
				minX, maxX = math.Min(minX, x), math.Max(maxX, x)
				minY, maxY = math.Min(minY, y), math.Max(maxY, y)
				return
			}
		}
		for _, e := range l {
			walk(e)
		}
	}
	var coords any
	if json.Unmarshal(g.Coordinates, &coords) != nil {
		return 0, 0, 0, 0, false
	}
	walk(coords)
	return minX, minY, maxX, maxY, !math.IsInf(minX, 1)
}

// geoJSONMediaType is the datatype udata reads GeoJSON literals with.
const geoJSONMediaType = "https://www.iana.org/assignments/media-types/application/vnd.geo+json"

// bboxGeoJSON returns the bounding box of a GeoJSON Polygon or MultiPolygon
// as a GeoJSON Polygon.
func bboxGeoJSON(geojson string) (string, bool) {
	minX, minY, maxX, maxY, ok := bbox(geojson)
	if !ok {
		return "", false
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return fmt.Sprintf(`{"type": "Polygon", "coordinates": [[[%s, %s], [%s, %s], [%s, %s], [%s, %s], [%s, %s]]]}`,
		f(minX), f(minY), f(maxX), f(minY), f(maxX), f(maxY), f(minX), f(maxY), f(minX), f(minY)), true
}

// licenceNodes describe a licence document and its ADMS licence type.
func (m *Mapper) licenceNodes(lic catalog.License) []*Node {
	uri, _, ok := m.licenceURI(lic.ID)
	if !ok {
		return nil
	}
	ln := &Node{ID: IRI(uri), Types: []string{NSDCT + "LicenseDocument"}}
	ln.Add(NSDCT+"title", Lit(lic.Title))
	ln.Add(NSSKOS+"prefLabel", Lit(lic.Title))
	// udata matches a licence it does not know by URL by its label.
	ln.Add(NSRDFS+"label", Lit(lic.Title))
	nodes := []*Node{ln}
	if t := licenceTypeOf[lic.ID]; t != "" {
		ln.Add(NSDCT+"type", IRI(licenceTypes+t))
		nodes = append(nodes, concept(licenceTypes+t, licenceScheme, nil, Lit(t))...)
	}
	return nodes
}
