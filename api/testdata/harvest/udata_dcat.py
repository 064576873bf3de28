"""Harvest a DCAT catalogue the way udata's DCAT backend does, and print
what data.gouv.fr would keep of each dataset, as JSON.

    udata_dcat.py SOURCE_URL [--map PUBLIC_BASE=LOCAL_BASE]

A port, reduced to what the harvest decides, of opendatateam/udata
udata/harvest/backends/dcat.py (DcatBackend: get_format, walk_graph,
process_one_datasets_page, is_dataset_external_to_this_page),
udata/core/dataset/rdf.py (dataset_from_rdf, resource_from_rdf,
spatial_from_rdf, temporal_from_rdf, licenses_from_rdf…), udata/rdf.py
(guess_format, url_from_rdf, rdf_value, themes_from_rdf) and
License.guess (udata/core/dataset/models.py); see
../shared/research/harvest-contract.md §3. Nothing is stored: the output
is the harvest job's items.

--map rewrites URLs under PUBLIC_BASE (the catalogue's configured public
address, which its page links use) to LOCAL_BASE (the test server), since
the test server is not reachable at its public address.

Only Debian's python3-rdflib is needed (no requests: urllib stands in for
it, with the same rules: no redirects followed, the charset of the
Content-Type, ISO-8859-1 for an unlabelled text/* body).
"""
import json
import re
import sys
import unicodedata
import urllib.error
import urllib.request
from datetime import date, datetime, timezone

import rdflib
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT, RDF, RDFS, SKOS
from rdflib.util import SUFFIX_FORMAT_MAP
from rdflib.util import guess_format as raw_guess_format

DCAT = Namespace("http://www.w3.org/ns/dcat#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SCHEMA = Namespace("http://schema.org/")
EUFORMAT = "http://publications.europa.eu/resource/authority/file-type/"
IANAFORMAT = "https://www.iana.org/assignments/media-types/"

# udata/rdf.py
FORMAT_MAP = SUFFIX_FORMAT_MAP.copy()
FORMAT_MAP["json"] = "json-ld"
FORMAT_MAP["jsonld"] = "json-ld"
FORMAT_MAP["xml"] = "xml"
ACCEPTED_MIME_TYPES = {
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/n3": "n3",
    "application/x-turtle": "turtle",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/trig": "trig",
    "text/xml": "xml",
}
KNOWN_PAGINATION = (
    (HYDRA.PartialCollectionView, HYDRA.next),
    (HYDRA.PagedCollection, HYDRA.nextPage),
)
CHECKSUM_ALGORITHMS = {
    SPDX.checksumAlgorithm_md5: "md5",
    SPDX.checksumAlgorithm_sha1: "sha1",
    SPDX.checksumAlgorithm_sha256: "sha256",
}
# The only literal datatypes spatial_from_rdf reads (any predicate of the
# dct:spatial node): anything else, geosparql's geoJSONLiteral and
# wktLiteral included, is skipped.
GEOJSON_DATATYPE = "https://www.iana.org/assignments/media-types/application/vnd.geo+json"
WKT_DATATYPE = "http://www.opengis.net/rdf#wktLiteral"

# data.gouv.fr's licences (https://www.data.gouv.fr/api/1/datasets/licenses/,
# ids as harvest-contract.md §2): id, title, url, alternate URLs. The URLs
# are those of CKAN's licence list that data.gouv.fr's were imported from,
# and the Licence Ouverte 2.0's etalab page.
LICENSES = [
    ("lov2", "Licence Ouverte / Open Licence version 2.0", "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
     ["https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"]),
    ("fr-lo", "Licence Ouverte / Open Licence", "http://www.data.gouv.fr/Licence-Ouverte-Open-Licence",
     ["https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf"]),
    ("odc-odbl", "Open Data Commons Open Database License (ODbL)", "http://opendatacommons.org/licenses/odbl/summary/", []),
    ("odc-by", "Open Data Commons Attribution License", "http://opendatacommons.org/licenses/by/summary/", []),
    ("odc-pddl", "Open Data Commons Public Domain Dedication and Licence (PDDL)", "http://opendatacommons.org/licenses/pddl/summary/", []),
    ("cc-by", "Creative Commons Attribution", "http://www.opendefinition.org/licenses/cc-by", []),
    ("cc-by-sa", "Creative Commons Attribution Share-Alike", "http://www.opendefinition.org/licenses/cc-by-sa", []),
    ("cc-zero", "Creative Commons CCZero", "http://www.opendefinition.org/licenses/cc-zero", []),
    ("notspecified", "License Not Specified", None, []),
    ("other-open", "Other (Open)", None, []),
    ("other-at", "Other (Attribution)", None, []),
    ("other-pd", "Other (Public Domain)", None, []),
    ("other-closed", "Other (Not Open)", None, []),
]
MAX_DISTANCE = 2


class HarvestSkip(Exception):
    pass


class HarvestFail(Exception):
    pass


def slugify(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def url_key(u):
    """A URL without its scheme and trailing slash, as License.guess_one compares them."""
    m = re.match(r"^[a-z][a-z0-9+.-]*://(.*)$", u)
    return m.group(1).rstrip("/") if m else None


def guess_one(text):
    if not text:
        return None
    text = text.strip().lower()
    slug = slugify(text)
    for lid, title, url, alternates in LICENSES:
        urls = [u.lower() for u in ([url] if url else []) + alternates]
        if lid == text or slugify(title) == slug or text in urls:
            return lid
    key = url_key(text)
    if key:
        for lid, _, url, alternates in LICENSES:
            if any(url_key(u.lower()) == key for u in ([url] if url else []) + alternates):
                return lid
    for candidates in (
        [lid for lid, title, _, _ in LICENSES if levenshtein(slugify(title), slug) <= MAX_DISTANCE],
        [lid for lid, title, _, _ in LICENSES if levenshtein(title.lower(), text) <= MAX_DISTANCE],
    ):
        if len(candidates) == 1:
            return candidates[0]
    return None


def guess_license(*strings):
    for s in strings:
        m = re.search(r"(https?://\S+)", s.rstrip("."))
        prepared = (m.group(1), s.replace(m.group(1), "").strip()) if m else (s,)
        for p in prepared:
            lid = guess_one(p)
            if lid:
                return lid
    return None


def to_json_value(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return repr(v)


def serialize_value(g, value, parse_label=False):
    if isinstance(value, Literal):
        return value.toPython()
    if isinstance(value, URIRef) or isinstance(value, BNode):
        if parse_label:
            label = g.value(value, RDFS.label)
            if label is not None:
                return label.toPython()
        return value.toPython() if isinstance(value, URIRef) else str(value)
    return None


def rdf_value(g, node, pred, parse_label=False):
    v = g.value(node, pred)
    return serialize_value(g, v, parse_label) if v is not None else None


def rdf_unique_values(g, node, pred, parse_label=False):
    return {v for o in g.objects(node, pred) if (v := serialize_value(g, o, parse_label))}


def url_from_rdf(g, node, pred):
    v = g.value(node, pred)
    if isinstance(v, (URIRef, Literal)):
        return v.toPython() if isinstance(v, URIRef) else str(v)
    if isinstance(v, BNode):
        return str(v)
    return None


def default_lang_value(g, node, pred):
    values = list(g.objects(node, pred))
    for v in values:
        if isinstance(v, Literal) and v.language in (None, "fr"):
            return str(v)
    return str(values[0]) if values else None


def themes_from_rdf(g, node):
    tags = [t.toPython() for t in g.objects(node, DCAT.keyword)]
    for theme in g.objects(node, DCAT.theme):
        if isinstance(theme, Literal):
            label = theme.toPython()
        else:
            # rdflib's Resource.value: the first skos:prefLabel the graph
            # yields, whatever its language.
            label = rdf_value(g, theme, SKOS.prefLabel)
        if label:
            tags.append(label)
    return sorted(set(tags))


def temporal_from_rdf(g, pot):
    if pot is None:
        return None
    if isinstance(pot, Literal):
        return ["literal", str(pot)]
    if isinstance(pot, URIRef):
        return ["remote", str(pot)]  # udata would fetch it
    for start_p, end_p in ((SCHEMA.startDate, SCHEMA.endDate), (DCAT.startDate, DCAT.endDate)):
        start, end = g.value(pot, start_p), g.value(pot, end_p)
        if start is not None or end is not None:
            return [to_json_value(start.toPython()) if start is not None else None,
                    to_json_value(end.toPython()) if end is not None else None]
    return None


def spatial_from_rdf(g, node):
    polygons, ignored = [], []
    for term in g.objects(node, DCT.spatial):
        if isinstance(term, Literal):
            ignored.append("literal bbox (not ported)")
            continue
        for obj in g.objects(term):
            if not isinstance(obj, Literal):
                continue
            dt = str(obj.datatype) if obj.datatype else ""
            if dt == GEOJSON_DATATYPE:
                try:
                    geo = json.loads(str(obj))
                except ValueError:
                    continue
            elif dt == WKT_DATATYPE:
                geo = wkt_to_geojson(str(obj))
                if geo is None:
                    continue
            else:
                ignored.append(dt or "plain literal")
                continue
            if geo.get("type") == "Polygon":
                if geo["coordinates"] not in polygons:
                    polygons.append(geo["coordinates"])
            elif geo.get("type") == "MultiPolygon":
                for c in geo["coordinates"]:
                    if c not in polygons:
                        polygons.append(c)
    return ({"type": "MultiPolygon", "coordinates": polygons} if polygons else None), sorted(set(ignored))


def wkt_to_geojson(text):
    """POLYGON and MULTIPOLYGON WKT as GeoJSON (udata uses geomet)."""
    text = text.strip().upper()

    def ring(r):
        return [[float(x) for x in pt.split()] for pt in r.split(",")]

    def polygon(p):
        return [ring(r) for r in re.findall(r"\(([^()]+)\)", p)]

    try:
        if text.startswith("MULTIPOLYGON"):
            return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in re.findall(r"\((\([^()]+\)(?:\s*,\s*\([^()]+\))*)\)", text[len("MULTIPOLYGON"):].strip()[1:-1])]}
        if text.startswith("POLYGON"):
            return {"type": "Polygon", "coordinates": polygon(text[len("POLYGON"):])}
    except ValueError:
        return None
    return None


def mime_from_rdf(g, node):
    mime = rdf_value(g, node, DCAT.mediaType, parse_label=True)
    if not mime:
        return None
    if IANAFORMAT in mime:
        return "/".join(mime.split("/")[-2:])
    return mime


def format_from_rdf(g, node):
    fmt = rdf_value(g, node, DCT.format, parse_label=True)
    if not fmt:
        return None
    if EUFORMAT in fmt or IANAFORMAT in fmt:
        return re.split(r"[/#]", fmt)[-1].lower()
    return fmt.lower()


def title_from_rdf(g, node, url):
    title = rdf_value(g, node, DCT.title)
    if title:
        return title
    last = url.split("/")[-1]
    if "." in last and "?" not in last:
        return last
    return None


def resource_from_rdf(g, distrib, resources):
    url = url_from_rdf(g, distrib, DCAT.downloadURL) or url_from_rdf(g, distrib, DCAT.accessURL)
    if not url:
        return
    # Re-matched by URL: a second distribution with the same URL updates
    # the first instead of adding a resource.
    resource = next((r for r in resources if r["url"] == url), None)
    if resource is None:
        resource = {"url": url}
        resources.append(resource)
    else:
        resource["merged"] = resource.get("merged", 1) + 1
    resource["title"] = title_from_rdf(g, distrib, url)
    resource["description"] = default_lang_value(g, distrib, DCT.description)
    resource["filesize"] = rdf_value(g, distrib, DCAT.byteSize)
    resource["mime"] = mime_from_rdf(g, distrib)
    resource["format"] = format_from_rdf(g, distrib)
    resource["type"] = "api" if g.value(distrib, DCAT.accessService) is not None else "main"
    checksum = g.value(distrib, SPDX.checksum)
    if checksum is not None:
        algorithm = g.value(checksum, SPDX.algorithm)
        # udata: checksum.value(SPDX.algorithm).identifier raises on a
        # missing algorithm or a literal: the whole dataset fails.
        if algorithm is None or isinstance(algorithm, Literal):
            raise HarvestFail("checksum algorithm missing or a literal: %r" % (algorithm,))
        kind = CHECKSUM_ALGORITHMS.get(algorithm)
        if kind:
            value = rdf_value(g, checksum, SPDX.checksumValue)
            # Checksum.value is a mongoengine StringField: saving the
            # dataset fails on anything but a string, and rdflib's
            # toPython() turns an xsd:hexBinary literal into bytes.
            if not isinstance(value, str):
                raise HarvestFail("Checksum.value: StringField only accepts string values (got %s from %r)"
                                  % (type(value).__name__, g.value(checksum, SPDX.checksumValue)))
            resource["checksum"] = {"type": kind, "value": value}
        else:
            resource["checksum_ignored"] = str(algorithm)
    resource["modified"] = to_json_value(rdf_value(g, distrib, DCT.modified))
    resource["dct_identifier"] = rdf_value(g, distrib, DCT.identifier)


def dataset_from_rdf(g, node):
    title = rdf_value(g, node, DCT.title)
    if not title:
        raise HarvestSkip("missing title on dataset")
    ds = {"title": title}
    ds["description"] = (default_lang_value(g, node, DCT.description) or default_lang_value(g, node, DCT.abstract) or "").strip()
    freq = g.value(node, DCT.accrualPeriodicity)
    ds["frequency"] = str(freq) if freq is not None else None
    ds["spatial"], ds["spatial_ignored"] = spatial_from_rdf(g, node)
    ds["tags"] = themes_from_rdf(g, node)
    ds["temporal"] = temporal_from_rdf(g, g.value(node, DCT.temporal))
    resources, hints = [], set()
    for distrib in list(g.objects(node, DCAT.distribution)) + list(g.objects(node, DCAT.distributions)):
        resource_from_rdf(g, distrib, resources)
        hints |= {str(v) for v in rdf_unique_values(g, distrib, DCT.license, parse_label=True)}
        hints |= {str(v) for v in rdf_unique_values(g, distrib, DCT.rights, parse_label=True)}
    ds["resources"] = resources
    dataset_licenses = [str(v) for v in rdf_unique_values(g, node, DCT.license, parse_label=True)]
    dataset_rights = [str(v) for v in rdf_unique_values(g, node, DCT.rights, parse_label=True)]
    ds["license_hints"] = sorted(set(dataset_licenses) | set(dataset_rights) | hints)
    ds["license"] = guess_license(*dataset_licenses, *dataset_rights, *sorted(hints))
    ds["uri"] = str(node) if isinstance(node, URIRef) else None
    ds["remote_url"] = url_from_rdf(g, node, DCAT.landingPage) or ds["uri"]
    for key, pred in (("issued", DCT.issued), ("modified", DCT.modified), ("created", DCT.created)):
        v = rdf_value(g, node, pred)
        if isinstance(v, datetime) and v.tzinfo is not None and v > datetime.now(timezone.utc):
            v = None  # udata drops future dates
        ds[key] = to_json_value(v)
    return ds


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise HarvestFail("redirect %d to %s: udata refuses redirects" % (code, newurl))


class Harvester:
    def __init__(self, source, mapping):
        self.source, self.mapping = source, mapping
        self.opener = urllib.request.build_opener(NoRedirect)
        self.fetched = []

    def local(self, url):
        for public, local in self.mapping:
            if url.startswith(public):
                return local + url[len(public):]
        return url

    def request(self, method, url):
        req = urllib.request.Request(self.local(url), method=method, headers={"User-Agent": "uData/0.1 dcat"})
        try:
            res = self.opener.open(req, timeout=30)
        except urllib.error.HTTPError as e:
            raise HarvestFail("%s %s: HTTP %d" % (method, url, e.code))
        self.fetched.append([method, url, res.status, res.headers.get("Content-Type", "")])
        return res

    def get_format(self):
        fmt = guess_format(self.source)
        if fmt:
            return fmt, "suffix"
        res = self.request("HEAD", self.source)
        mime = res.headers.get("Content-Type", "").split(";", 1)[0].strip()
        if not mime:
            raise HarvestFail("Unable to detect format from extension or mime type")
        fmt = guess_format(mime)
        if not fmt:
            raise HarvestFail('Unsupported mime type "%s"' % mime)
        return fmt, "HEAD " + mime

    def text(self, res):
        ctype = res.headers.get("Content-Type", "")
        m = re.search(r"charset=([\w-]+)", ctype, re.I)
        encoding = m.group(1) if m else ("ISO-8859-1" if "text" in ctype else "utf-8")
        return res.read().decode(encoding)

    def walk_graph(self, url, fmt):
        seen = set()
        while url:
            if self.local(url) in seen:
                raise HarvestFail("next link loops back to %s (udata has no loop guard)" % url)
            seen.add(self.local(url))
            g = Graph()
            g.parse(data=self.text(self.request("GET", url)), format=fmt)
            page_url, url = url, None
            for cls, prop in KNOWN_PAGINATION:
                if (None, RDF.type, cls) in g:
                    pagination = g.value(predicate=RDF.type, object=cls)
                    url = url_from_rdf(g, pagination, prop)
                    break
            yield page_url, g

    def harvest(self):
        out = {"source": self.source, "datasets": [], "failed": [], "skipped": [], "pages": []}
        try:
            fmt, how = self.get_format()
            out["format"], out["format_from"] = fmt, how
            seen_ids = set()
            for n, (page_url, g) in enumerate(self.walk_graph(self.source, fmt)):
                out["pages"].append(page_url)
                for node in g.subjects(RDF.type, DCAT.Dataset):
                    if self.external(g, node):
                        continue
                    remote_id = g.value(node, DCT.identifier)
                    item = {"remote_id": str(remote_id) if remote_id is not None else None, "page": n}
                    try:
                        if remote_id is None:
                            raise HarvestSkip("missing dct:identifier")
                        if not isinstance(remote_id, Literal):
                            raise HarvestFail("dct:identifier is not a literal: %s" % remote_id)
                        if item["remote_id"] in seen_ids:
                            raise HarvestFail("duplicate remote id in this run")
                        seen_ids.add(item["remote_id"])
                        item.update(dataset_from_rdf(g, node))
                        out["datasets"].append(item)
                    except HarvestSkip as e:
                        item["error"] = str(e)
                        out["skipped"].append(item)
                    except Exception as e:  # udata marks the item failed
                        item["error"] = "%s: %s" % (type(e).__name__, e)
                        out["failed"].append(item)
        except Exception as e:
            out["job_error"] = "%s: %s" % (type(e).__name__, e)
        out["requests"] = self.fetched
        return out

    @staticmethod
    def external(g, node):
        if rdf_value(g, node, DCT.title):
            return False
        preds = [p for _, p in g.subject_predicates(node)]
        return len(preds) == 1 and preds[0] in (DCAT.servesDataset, DCT.hasPart)


def guess_format(string):
    if string in ACCEPTED_MIME_TYPES:
        return ACCEPTED_MIME_TYPES[string]
    return raw_guess_format(string, FORMAT_MAP)


def main(argv):
    source, mapping = argv[0], []
    args = argv[1:]
    while args:
        if args[0] == "--map":
            public, local = args[1].split("=", 1)
            mapping.append((public, local))
            args = args[2:]
        else:
            raise SystemExit("unknown argument %s" % args[0])
    json.dump(Harvester(source, mapping).harvest(), sys.stdout, ensure_ascii=True, default=to_json_value)


if __name__ == "__main__":
    main(sys.argv[1:])
