"""Writes openapi.yaml, the description of Passerelle's HTTP API.

Run from the repository root:  python3 tools/openapi/gen.py   (needs PyYAML)
Edit this script rather than openapi.yaml: api/openapi_test.go checks that
the file documents exactly the routes the server registers and validates
every test response against it.
"""
import yaml, collections

# Preserve insertion order in YAML output.
def represent_ordereddict(dumper, data):
    return dumper.represent_mapping('tag:yaml.org,2002:map', data.items())
class NoAlias(yaml.SafeDumper):
    def ignore_aliases(self, data): return True
NoAlias.add_representer(dict, represent_ordereddict)

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def resp(name): return {"$ref": f"#/components/responses/{name}"}
S = {"type": "string"}
NS = {"type": ["string", "null"]}
B = {"type": "boolean"}
I = {"type": "integer"}

schemas = {}
schemas["Envelope"] = {"type": "object", "required": ["help", "success", "result"],
  "properties": {"help": {"type": "string", "description": "URL of the action's help (help_show)."}, "success": {"const": True}, "result": {}}}
schemas["ErrorEnvelope"] = {"type": "object", "required": ["help", "success", "error"],
  "properties": {"help": S, "success": {"const": False},
   "error": {"type": "object", "required": ["__type"], "properties": {
     "__type": {"type": "string", "enum": ["Validation Error", "Not Found Error", "Authorization Error", "Search Query Error", "Integrity Error", "Rate Limit Error", "Internal Server Error"]},
     "message": S}, "additionalProperties": {"description": "For a Validation Error, one list of messages per invalid field.", "type": "array", "items": S}}}}
schemas["BadRequest"] = {"type": "string", "description": "CKAN answers requests it cannot read (unknown action, malformed JSON, GET on a write action) with a bare JSON string, not the envelope.", "examples": ["Bad request - Action name not known: package_shwo"]}
schemas["CKANDateTime"] = {"type": "string", "description": "UTC date-time as CKAN prints it: no zone, microseconds only when not zero.", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$", "examples": ["2024-05-02T09:14:03.123456"]}
schemas["Extra"] = {"type": "object", "required": ["key", "value"], "properties": {"key": S, "value": S}}
schemas["Tag"] = {"type": "object", "required": ["id", "name", "display_name", "state", "vocabulary_id"], "properties": {"id": S, "name": S, "display_name": S, "state": S, "vocabulary_id": {"type": "null"}}}
schemas["OrganizationSummary"] = {"type": "object", "required": ["id", "name", "title", "type", "description", "image_url", "created", "is_organization", "approval_status", "state"], "properties": {
  "id": {"type": "string", "format": "uuid"}, "name": S, "title": S, "type": {"const": "organization"}, "description": S, "image_url": S,
  "created": ref("CKANDateTime"), "is_organization": {"const": True}, "approval_status": {"const": "approved"}, "state": S}}
schemas["Organization"] = {"allOf": [ref("OrganizationSummary"), {"type": "object", "required": ["display_name", "image_display_url", "num_followers", "extras", "users", "groups", "tags"], "properties": {
  "display_name": S, "image_display_url": S, "package_count": I, "num_followers": I,
  "extras": {"type": "array", "items": ref("Extra"), "description": "SIREN (siren) and contact e-mail (email) appear here."},
  "users": {"type": "array"}, "groups": {"type": "array"}, "tags": {"type": "array"},
  "packages": {"type": "array", "items": ref("Package"), "description": "With include_datasets: up to 10 datasets, most recently modified first."}}}]}
schemas["Resource"] = {"type": "object", "description": "A resource (dcat:Distribution). Extra keys given on input are returned beside these.",
  "required": ["id", "package_id", "url", "name", "description", "format", "mimetype", "mimetype_inner", "hash", "size", "position", "resource_type", "url_type", "created", "last_modified", "metadata_modified", "cache_url", "cache_last_updated", "state", "datastore_active"],
  "properties": {"id": {"type": "string", "format": "uuid"}, "package_id": {"type": "string", "format": "uuid"}, "url": S, "name": NS, "description": S,
  "format": {"type": "string", "description": "Never null (udata's harvester needs a string)."}, "mimetype": NS, "mimetype_inner": {"type": "null"}, "hash": S,
  "size": {"type": ["integer", "null"], "minimum": 0}, "position": {"type": "integer", "minimum": 0},
  "resource_type": {"type": ["string", "null"], "enum": [None, "file", "file.upload", "api", "documentation", "image", "visualization"]},
  "url_type": {"type": ["string", "null"], "enum": [None, "upload"]}, "created": ref("CKANDateTime"),
  "last_modified": {"oneOf": [ref("CKANDateTime"), {"type": "null"}]}, "metadata_modified": ref("CKANDateTime"),
  "cache_url": {"type": "null"}, "cache_last_updated": {"type": "null"}, "state": S, "datastore_active": B,
  "ingest": ref("Ingest"), "derived_from": {"type": "string", "format": "uuid", "description": "On a normalised CSV made by ingestion: the uploaded resource it was made from."},
  "schema": ref("SchemaRef"), "passerelle_schema": {"type": "string", "description": "The schema the resource declares: a registry id (scdl/subventions[@version]), a URL or an inline Table Schema."},
  "validation_status": {"type": "string", "enum": ["success", "failure", "error"], "description": "ckanext-validation's status of the last check of the file against its schema."},
  "validation_timestamp": ref("CKANDateTime"), "validation": ref("Validation")}}
schemas["SchemaRef"] = {"type": "object", "description": "The schema the resource follows, as udata names it; only when its file was checked and found valid (a link: as its publisher declares).",
  "required": ["url"], "properties": {"name": S, "version": S, "url": S}}
schemas["SchemaInfo"] = {"type": "object", "required": ["ref"], "properties": {"ref": S, "id": S, "version": S, "url": S, "title": S}}
schemas["ValidationIssue"] = {"type": "object", "description": "One error or warning: where, what, and a message in English and French.", "required": ["code", "message", "message_fr"],
  "properties": {"code": S, "constraint": S, "row": I, "column": I, "label": S, "field": S, "value": S, "suggestion": S, "title": S, "title_fr": S, "message": S, "message_fr": S}}
schemas["ValidationReport"] = {"type": "object", "description": "Table Schema validation report (Validata's error codes).",
  "required": ["valid", "rows", "error_count", "error_counts", "errors", "warnings"],
  "properties": {"valid": B, "schema": {"type": "object"}, "rows": I, "header_line": I, "columns": {"type": "array", "items": {"type": "object"}},
   "mapping": {"type": "object", "additionalProperties": S, "description": "Column labels read as a field they do not exactly name: {label: field}."},
   "error_count": I, "warning_count": I, "error_counts": {"type": "object", "additionalProperties": I}, "warning_counts": {"type": "object", "additionalProperties": I},
   "errors": {"type": "array", "items": ref("ValidationIssue")}, "warnings": {"type": "array", "items": ref("ValidationIssue")}, "truncated": B,
   "unsupported": {"type": "array", "items": {"type": "object"}, "description": "Parts of the schema that were not checked."}}}
schemas["Validation"] = {"type": "object", "description": "Summary of the last check of the file against its schema (first errors only; resource_validation_show has the whole report).",
  "required": ["status", "schema"], "properties": {"status": {"type": "string", "enum": ["success", "failure", "error"]}, "schema": ref("SchemaInfo"),
   "error": S, "error_fr": S, "report": ref("ValidationReport"), "job_id": S, "created": S}}
schemas["ValidationShow"] = {"type": "object", "description": "ckanext-validation's resource_validation_show shape.",
  "required": ["id", "resource_id", "status", "schema", "report", "error", "created", "finished"],
  "properties": {"id": S, "resource_id": S, "status": {"type": "string", "enum": ["created", "running", "success", "failure", "error"]}, "schema": ref("SchemaInfo"),
   "report": {"oneOf": [{"type": "null"}, ref("ValidationReport")]}, "error": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["message", "message_fr"], "properties": {"message": S, "message_fr": S}}]},
   "created": {"type": ["string", "null"]}, "finished": {"type": ["string", "null"]}}}
schemas["SchemaEntry"] = {"type": "object", "required": ["id"], "properties": {"id": S, "title": S, "description": S, "latest": S, "versions": {"type": "array", "items": S}}}
schemas["Ingest"] = {"type": "object", "description": "The latest ingestion of an uploaded file (SPEC §4): state, progress, rows, errors in English and French, and what detection found.",
  "required": ["state", "progress", "rows", "error", "error_fr", "created", "started", "finished", "report"],
  "properties": {"state": {"type": "string", "enum": ["pending", "running", "complete", "error", "skipped"]},
   "progress": {"type": "number", "minimum": 0, "maximum": 1}, "rows": I, "error": NS, "error_fr": NS,
   "created": ref("CKANDateTime"), "started": {"oneOf": [ref("CKANDateTime"), {"type": "null"}]}, "finished": {"oneOf": [ref("CKANDateTime"), {"type": "null"}]},
   "report": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["format", "tables"], "properties": {
     "format": S, "encoding": S, "bom": B, "delimiter": S, "warnings": {"type": "array", "items": S},
     "tables": {"type": "array", "items": {"type": "object", "required": ["header_line", "rows", "fields"], "properties": {
       "sheet": S, "header_line": I, "rows": I, "resource_id": S, "normalized_resource_id": S, "warnings": {"type": "array", "items": S},
       "profile": {"type": "array", "description": "Each column's values: fill count, range of dates and numbers, places covered by a column of commune, postal or département codes.",
         "items": {"type": "object", "required": ["field", "filled", "distinct"], "properties": {"field": S, "filled": I, "min": S, "max": S,
           "distinct": {"type": "integer", "description": "Different values, exact up to 5000."}, "distinct_capped": {"type": "boolean", "description": "More than 5000 different values."},
           "histogram": {"type": "array", "description": "Dates and numbers: 20 bins of equal width between min and max (fewer for narrow integer or date ranges), counted on a sample and scaled.",
             "items": {"type": "object", "required": ["lo", "hi", "count"], "properties": {"lo": S, "hi": S, "count": I}}},
           "geo": {"type": "object", "required": ["kind", "distinct", "departements"], "properties": {"kind": {"type": "string", "enum": ["commune", "postal_code", "departement"]}, "distinct": I, "commune": S, "departements": {"type": "array", "items": S}}}}}},
       "fields": {"type": "array", "items": {"type": "object", "required": ["id", "type"], "properties": {"id": S, "type": S, "label": S}}}}}}}}]}}}
schemas["DatastoreField"] = {"type": "object", "required": ["id", "type"], "properties": {"id": S, "type": {"type": "string", "enum": ["int", "numeric", "text", "date", "timestamp", "bool"]}, "info": {"type": "object", "properties": {"label": S}}}}
schemas["DatastoreSearchResult"] = {"type": "object", "required": ["resource_id", "fields", "records", "limit", "_links", "records_format"], "properties": {
  "resource_id": S, "fields": {"type": "array", "items": ref("DatastoreField")},
  "records": {"description": "Objects keyed by field id (default), lists, or CSV/TSV text, as records_format asks.", "type": ["array", "string"]},
  "total": I, "total_was_estimated": B, "limit": I, "offset": {}, "q": {}, "filters": {}, "sort": {}, "distinct": {}, "include_total": B, "records_format": S,
  "_links": {"type": "object", "required": ["start", "next"], "properties": {"start": S, "next": S}}}}
schemas["DatastoreInfo"] = {"type": "object", "required": ["meta", "fields"], "properties": {
  "meta": {"type": "object", "required": ["id", "count"], "properties": {"id": S, "count": I, "table_type": S, "aliases": {"type": "array"}, "created": S}},
  "fields": {"type": "array", "items": ref("DatastoreField")}}}
schemas["Package"] = {"type": "object", "description": "A dataset (dcat:Dataset) as CKAN's package_show returns it. DCAT-AP properties (frequency, temporal_start, temporal_end, spatial_uri, spatial, theme, contact_name, contact_email) are in extras, where ckanext-dcat and udata's CKAN harvester read them.",
  "required": ["id", "name", "title", "notes", "url", "version", "author", "author_email", "maintainer", "maintainer_email", "license_id", "license_title", "isopen", "type", "owner_org", "creator_user_id", "private", "state", "metadata_created", "metadata_modified", "extras", "tags", "num_tags", "resources", "num_resources", "groups", "organization", "relationships_as_subject", "relationships_as_object"],
  "properties": {"id": {"type": "string", "format": "uuid"}, "name": S, "title": S, "notes": NS, "url": NS, "version": NS,
   "author": NS, "author_email": NS, "maintainer": NS, "maintainer_email": NS, "license_id": NS, "license_title": NS, "license_url": S,
   "isopen": B, "type": {"const": "dataset"}, "owner_org": NS, "creator_user_id": {"type": "null"}, "private": B,
   "state": {"type": "string", "enum": ["active", "draft", "deleted"]}, "metadata_created": ref("CKANDateTime"), "metadata_modified": ref("CKANDateTime"),
   "extras": {"type": "array", "items": ref("Extra")}, "tags": {"type": "array", "items": ref("Tag")}, "num_tags": I,
   "resources": {"type": "array", "items": ref("Resource")}, "num_resources": I, "groups": {"type": "array"},
   "organization": {"oneOf": [ref("OrganizationSummary"), {"type": "null"}]},
   "relationships_as_subject": {"type": "array"}, "relationships_as_object": {"type": "array"}}}
schemas["FacetItem"] = {"type": "object", "required": ["name", "display_name", "count"], "properties": {"name": S, "display_name": S, "count": I}}
schemas["SearchResult"] = {"type": "object", "required": ["count", "results", "sort", "facets", "search_facets"], "properties": {
  "count": I, "results": {"type": "array", "items": ref("Package")}, "sort": S,
  "facets": {"type": "object", "description": "Deprecated CKAN shape: {field: {value: count}}.", "additionalProperties": {"type": "object", "additionalProperties": I}},
  "search_facets": {"type": "object", "additionalProperties": {"type": "object", "required": ["title", "items"], "properties": {"title": S, "items": {"type": "array", "items": ref("FacetItem")}}}}}}
schemas["License"] = {"type": "object", "required": ["id", "title", "url", "status"], "properties": {"id": S, "title": S, "url": S, "status": S, "maintainer": S, "family": S, "is_generic": B, "od_conformance": S, "osd_conformance": S, "is_okd_compliant": B, "is_osi_compliant": B, "domain_content": B, "domain_data": B, "domain_software": B}}
schemas["Status"] = {"type": "object", "required": ["site_title", "site_description", "site_url", "locale_default", "extensions", "ckan_version"], "properties": {"site_title": S, "site_description": S, "site_url": S, "error_emails_to": {"type": "null"}, "locale_default": S, "extensions": {"type": "array", "items": S}, "ckan_version": S, "passerelle_version": S}}

# Inputs
schemas["PackageInput"] = {"type": "object", "description": "A package dict. Unknown keys and computed ones (metadata_modified, organization, num_tags…) are ignored, so a package_show result can be sent back.",
  "properties": {"id": {"type": "string", "description": "Dataset id or name (update, patch). On create, a UUID that only sysadmins may choose."},
   "name": {"type": "string", "pattern": "^[a-z0-9_-]{2,100}$"}, "title": S, "notes": NS, "url": NS, "version": NS, "author": NS, "author_email": NS, "maintainer": NS, "maintainer_email": NS,
   "license_id": {"type": ["string", "null"], "description": "One of license_list's ids."}, "owner_org": {"type": "string", "description": "Organisation id or name."},
   "private": {"type": ["boolean", "string"]}, "state": {"type": "string", "enum": ["active", "draft", "deleted"]}, "type": {"const": "dataset"},
   "tags": {"type": "array", "items": {"oneOf": [{"type": "object", "required": ["name"], "properties": {"name": S}}, S]}}, "tag_string": {"type": "string", "description": "Comma-separated tags, when tags is absent."},
   "extras": {"type": "array", "items": {"type": "object", "required": ["key"], "properties": {"key": S, "value": {}, "deleted": B}}},
   "resources": {"type": "array", "items": ref("ResourceInput")},
   "frequency": {"type": "string", "description": "EU frequency URI, code (MONTHLY) or udata id (monthly)."},
   "temporal_start": {"type": "string", "description": "ISO 8601 date or date-time."}, "temporal_end": S,
   "spatial_uri": S, "spatial": {"description": "GeoJSON Polygon or MultiPolygon, as an object or a string."},
   "theme": {"description": "EU data-theme URIs or codes: a list, a JSON list in a string, or a comma-separated string."},
   "contact_name": S, "contact_email": S}}
schemas["ResourceInput"] = {"type": "object", "description": "A resource dict; keys other than the ones below are kept as resource extras.",
  "properties": {"id": S, "package_id": S, "url": S, "name": NS, "description": NS, "format": NS, "mimetype": NS, "hash": NS, "size": {"type": ["integer", "string", "null"]},
   "resource_type": {"type": ["string", "null"]}, "url_type": {"type": ["string", "null"]}, "created": S, "last_modified": S,
   "schema": {"description": "The Table Schema the file follows: a registry id (scdl/subventions, scdl/subventions@2.1.1), an http(s) URL, an inline Table Schema (object or JSON text), or udata's {name, version, url}.", "oneOf": [S, {"type": "object"}, {"type": "null"}]},
   "passerelle_schema": {"type": ["string", "null"], "description": "Same as schema, as a string."}}}
schemas["OrganizationInput"] = {"type": "object", "properties": {"id": S, "name": {"type": "string", "pattern": "^[a-z0-9_-]{2,100}$"}, "title": S, "description": S, "image_url": S, "siren": {"type": "string", "pattern": "^[0-9]{9}$"}, "email": S, "extras": {"type": "array", "items": ref("Extra")}}}

responses = {
 "BadRequest": {"description": "The request could not be read: unknown action, malformed JSON, a body that is not an object, or a write action asked for with GET. CKAN's bare JSON string.", "content": {"application/json": {"schema": {"oneOf": [ref("BadRequest"), ref("ErrorEnvelope")]}}}},
 "Error": {"description": "CKAN error envelope: 400 Search Query Error or Integrity Error, 403 Authorization Error, 404 Not Found Error, 409 Validation Error (per-field messages; also a JSON body nesting arrays and objects more than 32 levels deep), 500 Internal Server Error.", "content": {"application/json": {"schema": ref("ErrorEnvelope")}}},
 "BodyTooLarge": {"description": "413 Validation Error: the JSON or form body is larger than PASSERELLE_MAX_BODY_BYTES (default 1 MiB; a Content-Length over it is refused before the body is read), or the uploaded file larger than PASSERELLE_MAX_UPLOAD_BYTES (the message is then under \"upload\"). Nothing is changed.", "content": {"application/json": {"schema": ref("ErrorEnvelope")}}},
 "TooManyRequests": {"description": "429 Rate Limit Error: the client (its API token, else its address) sent more requests than its budget (reads: PASSERELLE_READ_RATE a second, bursts of PASSERELLE_READ_BURST; writes: PASSERELLE_WRITE_RATE, PASSERELLE_WRITE_BURST), per instance. Nothing is done; retry after Retry-After seconds.",
   "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}, "content": {"application/json": {"schema": ref("ErrorEnvelope")}}},
 "TooManyRequestsText": {"description": "Too many requests from this client, in plain text, or as an HTML error page to a browser asking for text/html (see the CKAN actions' 429; sign-ins on the form also have their own budget per address, PASSERELLE_LOGIN_RATE and PASSERELLE_LOGIN_BURST). Retry after Retry-After seconds.",
   "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}, "content": {"text/plain": {"schema": S}, "text/html": {"schema": S}}},
}
headers = {"Retry-After": {"description": "Whole seconds (at least 1) until the client's budget allows a request again.", "required": True, "schema": {"type": "integer", "minimum": 1}}}

def envelope(result_schema):
    return {"allOf": [ref("Envelope"), {"type": "object", "properties": {"result": result_schema}}]}

def ok(desc, result_schema):
    return {"description": desc, "content": {"application/json": {"schema": envelope(result_schema)}}}

errors = {"400": resp("BadRequest"), "403": resp("Error"), "404": resp("Error"), "409": resp("Error"), "500": resp("Error")}

def qp(name, schema, desc, required=False):
    p = {"name": name, "in": "query", "schema": schema, "description": desc}
    if required: p["required"] = True
    return p

def body(schema, upload=False):
    mp = {"type": "object"}
    if upload:
        mp = {"type": "object", "description": "Resource fields as form fields, and the file in the field \"upload\" (as ckanapi sends it). The file is stored as is (hashed, content-addressed) and ingested in the background.",
              "properties": {"upload": {"type": "string", "contentMediaType": "application/octet-stream"}}}
    return {"content": {"application/json": {"schema": schema},
                        "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                        "multipart/form-data": {"schema": mp}}}

actions = []  # (name, read, summary, params(list of (name, schema, desc, required)), input schema, result schema, result desc)
def A(name, read, summary, params, result, rdesc, inp=None):
    actions.append((name, read, summary, params, inp, result, rdesc))

idp = [("id", S, "Id or name.", True)]
A("status_show", True, "Site status and the CKAN API version served.", [], ref("Status"), "The site's status.")
A("site_read", True, "Whether the site can be read (always true).", [], {"const": True}, "true")
A("help_show", True, "The help text of an action.", [("name", S, "Action name.", True)], S, "The help text.")
A("package_list", True, "Names of active public datasets, sorted by name. Without limit, every name in one response (udata's CKAN harvester asks for that).",
  [("limit", {"type": "integer", "minimum": 0}, "Page size; absent for all names.", False), ("offset", {"type": "integer", "minimum": 0}, "Names to skip.", False)],
  {"type": "array", "items": S}, "Dataset names.")
A("current_package_list_with_resources", True, "Active datasets with their resources, most recently modified first.",
  [("limit", {"type": "integer", "minimum": 0}, "Page size (default 10, at most 1000).", False), ("offset", {"type": "integer", "minimum": 0}, "Datasets to skip.", False),
   ("page", {"type": "integer", "minimum": 1}, "Deprecated CKAN paging, used when offset is absent.", False), ("include_private", B, "Include private datasets the caller may read.", False)],
  {"type": "array", "items": ref("Package")}, "Package dicts.")
A("package_show", True, "One dataset, by id or name. 403 for a private dataset the caller may not read, 404 for a deleted one.", idp, ref("Package"), "The package dict.")
A("package_search", True, "Search datasets with the Solr syntax CKAN clients send.",
  [("q", S, "Query: words, field:value, \"phrases\", AND/OR/NOT, +/-, ( ), *:*. Fields: name, title, notes, tags, organization, owner_org, license_id, res_format, res_name, res_url, state, capacity, metadata_modified, metadata_created, num_resources, num_tags, extras_<key>.", False),
   ("fq", S, "Filter query, same syntax (unknown fields refused). Ranges: metadata_modified:[2024-01-01T00:00:00Z TO NOW].", False),
   ("fq_list", {"type": "array", "items": S}, "Several filter queries.", False),
   ("sort", S, "score, metadata_modified, metadata_created, name or title_string, each asc or desc (default \"score desc, metadata_modified desc\").", False),
   ("rows", {"type": "integer", "minimum": 0}, "Page size (default 10; above 1000 clamped to 1000).", False),
   ("start", {"type": "integer", "minimum": 0}, "Results to skip.", False),
   ("facet", B, "Whether to count facets (default true).", False),
   ("facet.field", S, "JSON list of fields to count: organization, tags, res_format, license_id, groups, owner_org, state, capacity, type.", False),
   ("facet.limit", I, "Values per facet (default 50; negative for all).", False),
   ("facet.mincount", I, "Smallest count shown (default 1).", False),
   ("include_private", B, "Include private datasets of the caller's organisation (all for a sysadmin).", False),
   ("include_drafts", B, "Include drafts the caller may edit.", False),
   ("include_deleted", B, "Include deleted datasets the caller may edit.", False)],
  ref("SearchResult"), "Matching datasets, count and facets.")
A("resource_show", True, "One resource, by id.", [("id", S, "Resource id.", True)], ref("Resource"), "The resource dict.")
A("organization_list", True, "Organisations: names, or dicts with all_fields.",
  [("all_fields", B, "Return dicts rather than names.", False), ("sort", S, "name, title or package_count, then asc or desc (default title asc).", False),
   ("limit", {"type": "integer", "minimum": 0}, "Page size (default and maximum 1000, or 25 with all_fields).", False), ("offset", {"type": "integer", "minimum": 0}, "Organisations to skip.", False),
   ("organizations", S, "Only these names (JSON list or repeated parameter).", False), ("include_dataset_count", B, "Include package_count (default true).", False)],
  {"anyOf": [{"type": "array", "items": S}, {"type": "array", "items": ref("Organization")}]}, "Names or organization dicts.")
A("organization_show", True, "One organisation, by id or name.",
  [("id", S, "Id or name.", True), ("include_datasets", B, "Add up to 10 datasets (default false).", False), ("include_dataset_count", B, "Include package_count (default true).", False)],
  ref("Organization"), "The organization dict.")
A("group_list", True, "Groups: there are none in this catalogue.", [], {"type": "array", "maxItems": 0}, "An empty list.")
A("tag_list", True, "Tags of active public datasets.", [("query", S, "Only tags containing this text.", False), ("all_fields", B, "Return tag dicts.", False), ("vocabulary_id", S, "Vocabularies do not exist: 404.", False)],
  {"anyOf": [{"type": "array", "items": S}, {"type": "array", "items": ref("Tag")}]}, "Tag names or dicts.")
A("license_list", True, "Licences datasets can use (data.gouv.fr ids).", [], {"type": "array", "items": ref("License")}, "Licence dicts.")
A("datastore_search", True, "Search the rows of a resource's table (CKAN's datastore).",
  [("resource_id", S, "Resource id.", True), ("q", S, "Words to find anywhere in a row, or a JSON object {field: text}.", False),
   ("filters", S, "JSON object {field: value or [values]}: exact matches.", False), ("fields", S, "Columns to return: comma-separated or a JSON list.", False),
   ("sort", S, "\"col asc, col2 desc\" (default _id).", False), ("limit", {"type": "integer", "minimum": 0}, "Rows per page (default 100, at most 32000).", False),
   ("offset", {"type": "integer", "minimum": 0}, "Rows to skip.", False), ("include_total", B, "Count the matching rows (default true).", False),
   ("distinct", B, "Only distinct rows.", False), ("records_format", {"type": "string", "enum": ["objects", "lists", "csv", "tsv"]}, "Shape of records (default objects).", False)],
  ref("DatastoreSearchResult"), "Fields with types, records, total and paging links.")
A("datastore_info", True, "Describe a resource's table: columns with types and labels, row count.", [("resource_id", S, "Resource id.", True)], ref("DatastoreInfo"), "Table description.")
A("resource_validation_show", True, "The whole report of the last check of a resource's file against the schema it declares (ckanext-validation's action); status created or running while its ingestion waits or runs.",
  [("resource_id", S, "Resource id (id is accepted too).", True)], ref("ValidationShow"), "The validation.")
A("schema_list", True, "Table Schemas of the registry that resources may declare by id.", [], {"type": "array", "items": ref("SchemaEntry")}, "Schema entries, by id.")
col = {"type": "object", "required": ["resource_id", "field"], "properties": {"resource_id": S, "field": S}}
schemas["Suggestions"] = {"type": "object", "description": "Metadata a dataset's own files suggest; nothing changes until package_suggestions_accept.",
  "required": ["id", "name", "schemas", "temporal", "spatial", "frequency"],
  "properties": {"id": S, "name": S,
   "schemas": {"type": "array", "items": {"type": "object", "required": ["resource_id", "resource_name", "current", "suggestions"], "properties": {
     "resource_id": S, "resource_name": S, "current": {"type": "string", "description": "The schema the resource declares."},
     "suggestions": {"type": "array", "items": {"type": "object", "required": ["id", "confidence", "matched"], "properties": {
       "id": S, "version": S, "title": S, "confidence": {"type": "number", "minimum": 0, "maximum": 1}, "matched": {"type": "array", "items": S}, "missing": {"type": "array", "items": S}, "extra": {"type": "array", "items": S}}}}}}},
   "temporal": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["start", "end", "sources", "current"], "properties": {"start": S, "end": S, "sources": {"type": "array", "items": col}, "current": B}}]},
   "spatial": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["level", "code", "uri", "sources", "current"], "properties": {
     "level": {"type": "string", "enum": ["commune", "departement", "region", "country"]}, "code": S, "name": S, "uri": S, "sources": {"type": "array", "items": col}, "current": B}}]},
   "frequency": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["frequency", "code", "uploads", "median_days", "current"], "properties": {
     "frequency": S, "code": S, "uploads": I, "median_days": {"type": "number"}, "current": B}}]}}}
A("package_suggestions_show", True, "The metadata a dataset's own files suggest: the Table Schema each table most likely follows (with a confidence), the period its date columns cover, the area its commune, postal or département codes cover (commune, département, région or France), and the update frequency its upload history shows.",
  [("id", S, "Dataset id or name.", True)], ref("Suggestions"), "The suggestions.")
A("package_suggestions_accept", False, "Write accepted suggestions into a dataset: temporal_start/temporal_end, spatial_uri, frequency, and the schema of each table that declares none when the best match has a confidence of 0.8 or more (its file is then checked). 409 names a kind without a suggestion.",
  [], ref("Package"), "The package dict.", {"type": "object", "required": ["id", "accept"], "properties": {"id": S, "accept": {"type": "array", "items": {"type": "string", "enum": ["schema", "temporal", "spatial", "frequency"]}}}})
A("dcat_completeness", True, "The DCAT-AP properties a dataset still lacks, mandatory first, with the CKAN field that fills each and a message in English and French.",
  [("id", S, "Dataset id or name.", True)],
  {"type": "object", "required": ["id", "name", "complete", "mandatory_missing", "missing"], "properties": {
    "id": S, "name": S, "complete": {"type": "boolean", "description": "No mandatory property is missing."}, "mandatory_missing": I,
    "missing": {"type": "array", "items": {"type": "object", "required": ["property", "field", "level", "message", "message_fr"], "properties": {
      "property": S, "field": S, "level": {"type": "string", "enum": ["mandatory", "recommended"]}, "message": S, "message_fr": S}}}}},
  "What to add.")
A("package_create", False, "Create a dataset. Editors create in their organisation; sysadmins anywhere.", [], ref("Package"), "The new package dict.", ref("PackageInput"))
A("package_update", False, "Replace a dataset: omitted fields are cleared; an omitted resources list keeps the resources.", [], ref("Package"), "The package dict.", ref("PackageInput"))
A("package_patch", False, "Change the given top-level fields of a dataset.", [], ref("Package"), "The package dict.", ref("PackageInput"))
A("package_delete", False, "Delete a dataset (soft: harvesters see it go).", [], {"type": "null"}, "null", {"type": "object", "required": ["id"], "properties": {"id": S}})
A("resource_create", False, "Add a resource to a dataset (package_id) by URL.", [], ref("Resource"), "The new resource dict.", {"allOf": [ref("ResourceInput"), {"required": ["package_id"]}]})
A("resource_update", False, "Replace a resource (id).", [], ref("Resource"), "The resource dict.", {"allOf": [ref("ResourceInput"), {"required": ["id"]}]})
A("resource_patch", False, "Change the given fields of a resource (id).", [], ref("Resource"), "The resource dict.", {"allOf": [ref("ResourceInput"), {"required": ["id"]}]})
A("resource_delete", False, "Remove a resource from its dataset.", [], {"type": "null"}, "null", {"type": "object", "required": ["id"], "properties": {"id": S}})
A("organization_create", False, "Create an organisation (sysadmins only).", [], ref("Organization"), "The new organization dict.", ref("OrganizationInput"))
A("organization_patch", False, "Change the given fields of an organisation (its editors and sysadmins).", [], ref("Organization"), "The organization dict.", ref("OrganizationInput"))

pathItems = {}
for name, read, summary, params, inp, result, rdesc in actions:
    responses_ = {"200": ok(rdesc, result)}
    responses_.update(errors)
    responses_["429"] = resp("TooManyRequests")
    item = {"summary": summary}
    post = {"tags": ["CKAN actions"], "summary": summary}
    if read:
        get = {"tags": ["CKAN actions"], "summary": summary,
               "parameters": [qp(n, s, d, r) for n, s, d, r in params], "responses": responses_}
        item["get"] = get
        props = {n: s for n, s, d, r in params}
        req = [n for n, s, d, r in params if r]
        bs = {"type": "object", "properties": props}
        if req: bs["required"] = req
        post["requestBody"] = body(bs)
    else:
        post["requestBody"] = dict(body(inp, name in ("resource_create", "resource_update", "resource_patch")), required=True)
        post["security"] = [{"apiToken": []}, {"ckanAPIKey": []}]
        item["get"] = {"tags": ["CKAN actions"], "summary": "Refused: write actions need POST.", "responses": {"400": resp("BadRequest"), "429": resp("TooManyRequests")}}
    post["responses"] = dict(responses_, **{"413": resp("BodyTooLarge")})
    item["post"] = post
    pathItems[name] = item

paths = {}
paths["/healthz"] = {"get": {"tags": ["Operations"], "summary": "Liveness: the process serves requests.", "responses": {"200": {"description": "Alive.", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}}}}}
paths["/readyz"] = {"get": {"tags": ["Operations"], "summary": "Readiness: the database answers.", "responses": {
  "200": {"description": "Ready.", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}},
  "503": {"description": "A dependency does not answer.", "content": {"application/json": {"schema": {"type": "object", "required": ["status", "error"], "properties": {"status": {"const": "unavailable"}, "error": S}}}}}}}}
paths["/metrics"] = {"get": {"tags": ["Operations"], "summary": "Prometheus metrics: request counts and latency histograms by route, Go runtime and process.", "responses": {"200": {"description": "Prometheus text exposition format.", "content": {"text/plain": {"schema": S}}}}}}
text_err = lambda d: {"description": d, "content": {"text/plain": {"schema": S}}}
dl = {"tags": ["Files"], "summary": "Download an uploaded resource's file (CKAN's URL). The file name is a label; private datasets need a token.",
  "parameters": [{"name": "id", "in": "path", "required": True, "schema": S, "description": "Dataset id or name."},
                 {"name": "rid", "in": "path", "required": True, "schema": S, "description": "Resource id."},
                 {"name": "filename", "in": "path", "required": True, "schema": S}],
  "responses": {"200": {"description": "The file, byte for byte, with ETag (its SHA-256) and range support.", "content": {"*/*": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
                "206": {"description": "A range of the file.", "content": {"*/*": {"schema": {"type": "string"}}}},
                "304": {"description": "Not modified."},
                "403": text_err("Private dataset."), "404": text_err("No such resource, or a link rather than a stored file.")}}
paths["/dataset/{id}/resource/{rid}/download/{filename}"] = {"get": dl, "head": dict(dl, summary="Headers of a download.")}
paths["/datastore/dump/{resource_id}"] = {"get": {"tags": ["Files"], "summary": "Every row of a resource's table (CKAN's datastore dump), streamed.",
  "parameters": [{"name": "resource_id", "in": "path", "required": True, "schema": S},
                 {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "tsv", "json"]}, "description": "Default csv."},
                 {"name": "bom", "in": "query", "schema": B, "description": "Start CSV/TSV with a UTF-8 byte-order mark (for Excel)."}],
  "responses": {"200": {"description": "The rows, with a header of field ids (_id first).", "content": {
      "text/csv": {"schema": S}, "text/tab-separated-values": {"schema": S},
      "application/json": {"schema": {"type": "object", "required": ["fields", "records"], "properties": {"fields": {"type": "array", "items": ref("DatastoreField")}, "records": {"type": "array", "items": {"type": "array"}}}}}}},
    "400": text_err("Unknown format."), "403": text_err("Private dataset."), "404": text_err("No such resource, or no table for it.")}}}
rdf_content = {"text/turtle": {"schema": S}, "application/rdf+xml": {"schema": S}, "application/ld+json": {"schema": {"type": "object"}}, "application/n-triples": {"schema": S}}
feed_params = [
  {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}, "description": "Page number (100 datasets a page, oldest first)."},
  {"name": "modified_since", "in": "query", "schema": S, "description": "Only datasets modified since this ISO 8601 date or date-time."},
  {"name": "q", "in": "query", "schema": S, "description": "Search, as package_search's q."},
  {"name": "fq", "in": "query", "schema": S, "description": "Filter, as package_search's fq."}]
def feed_op(summary, fmt=None):
    content = rdf_content if fmt is None else {fmt[0]: {"schema": fmt[1]}}
    resp = {"200": {"description": "DCAT-AP 3 RDF, with charset=utf-8. Hydra paging (both hydra:PartialCollectionView with next/previous/first/last and hydra:PagedCollection with nextPage/…) on the page node.", "content": content},
            "404": text_err("Page past the end."), "409": text_err("Bad page, modified_since, q or fq.")}
    if fmt is None:
        resp["406"] = text_err("The Accept header names no RDF format.")
    return {"tags": ["DCAT"], "summary": summary, "parameters": feed_params, "responses": resp}
for ext, mt in [("ttl", ("text/turtle", S)), ("rdf", ("application/rdf+xml", S)), ("xml", ("application/rdf+xml", S)), ("jsonld", ("application/ld+json", {"type": "object"})), ("nt", ("application/n-triples", S))]:
    op = feed_op("The DCAT-AP catalogue, one page, as " + mt[0] + ".", mt)
    paths["/catalog." + ext] = {"get": op, "head": dict(op, summary="Headers of the catalogue page (udata asks HEAD to learn the format).")}
op = feed_op("The DCAT-AP catalogue, one page, in the format the Accept header asks for (Turtle for */* or no header).")
paths["/catalog"] = {"get": op, "head": dict(op, summary="Headers of the negotiated catalogue page.")}
ds_op = {"tags": ["DCAT"], "summary": "One dataset in DCAT-AP: /dataset/{id}.ttl|.rdf|.xml|.jsonld|.nt, or /dataset/{id} in the format the Accept header asks for.",
  "parameters": [{"name": "id", "in": "path", "required": True, "schema": S, "description": "Dataset id or name, optionally followed by .ttl, .rdf, .xml, .jsonld or .nt."}],
  "responses": {"200": {"description": "DCAT-AP 3 RDF.", "content": rdf_content}, "403": text_err("Private dataset."),
                "404": text_err("No such dataset, or deleted."), "406": text_err("The Accept header names no RDF format.")}}
html = {"text/html": {"schema": S}}
def html_resp(d): return {"description": d, "content": html}
ds_op["summary"] = "One dataset in DCAT-AP: /dataset/{id}.ttl|.rdf|.xml|.jsonld|.nt, or /dataset/{id} in the format the Accept header asks for; a browser (Accept preferring text/html to every RDF type) gets the dataset's web page instead."
ds_op["responses"]["200"]["content"] = dict(rdf_content, **html)
for code in ("403", "404"):
    ds_op["responses"][code]["content"] = dict(ds_op["responses"][code]["content"], **html)
paths["/dataset/{id}"] = {"get": ds_op, "head": dict(ds_op, summary="Headers of a dataset's DCAT-AP description or page.")}

# Web pages (SPEC §7): HTML for people, French by default (English with
# Accept-Language or ?lang=en, remembered in a cookie).
lang_p = {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["fr", "en"]}, "description": "Language of the page, remembered in a cookie."}
def path_p(name, desc): return {"name": name, "in": "path", "required": True, "schema": S, "description": desc}
def page(summary, params=(), responses=None):
    r = {"200": html_resp("The page.")}
    r.update(responses or {})
    return {"tags": ["Web pages"], "summary": summary, "parameters": [lang_p, *params], "responses": r}
redirect = lambda d: {"description": d, "headers": {"Location": {"schema": S}}}
form_body = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["csrf"], "properties": {"csrf": {"type": "string", "description": "The form's CSRF token."}}}}}}
forbidden = html_resp("Not signed in, not allowed, or the form's CSRF token is missing or wrong: nothing changed.")
paths["/"] = {"get": page("Home: search the catalogue with facets and pages.", [
  {"name": "q", "in": "query", "schema": S, "description": "Words to find."},
  {"name": "organization", "in": "query", "schema": {"type": "array", "items": S}, "description": "Organisation names."},
  {"name": "tags", "in": "query", "schema": {"type": "array", "items": S}, "description": "Keywords."},
  {"name": "res_format", "in": "query", "schema": {"type": "array", "items": S}, "description": "File formats."},
  {"name": "license_id", "in": "query", "schema": {"type": "array", "items": S}, "description": "Licence ids."},
  {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}, "description": "Page of results (20 a page)."}],
  {"400": html_resp("Bad page number.")})}
paths["/static/passerelle.css"] = {"get": {"tags": ["Web pages"], "summary": "The pages' stylesheet.", "responses": {"200": {"description": "CSS.", "content": {"text/css": {"schema": S}}}}}}
paths["/static/status.js"] = {"get": {"tags": ["Web pages"], "summary": "Progressive enhancement of the ingestion status page: the status region updated in place rather than the page reloaded.", "responses": {"200": {"description": "JavaScript.", "content": {"text/javascript": {"schema": S}}}}}}
paths["/organization/{name}"] = {"get": page("An organisation and its datasets.", [path_p("name", "Organisation name or id."), {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
  {"400": html_resp("Bad page number."), "404": html_resp("No such organisation.")})}
paths["/login"] = {"get": page("Sign-in form: an API token."),
  "post": {"tags": ["Web pages"], "summary": "Sign in with an API token: a server-side session whose random id is kept in an HttpOnly, SameSite=Lax cookie (Secure over https); the token never leaves the server.",
    "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["csrf", "token"], "properties": {"csrf": S, "token": S}}}}},
    "responses": {"303": redirect("Signed in: to the home page."), "400": html_resp("Unreadable form."), "401": html_resp("Unknown or missing token: the form again, with the error."), "403": forbidden}}}
paths["/logout"] = {"post": {"tags": ["Web pages"], "summary": "Sign out: the session is forgotten.", "requestBody": form_body,
  "responses": {"303": redirect("To the home page."), "403": forbidden}}}
paths["/publish"] = {"get": page("Form that creates a dataset from a file (signed in).", [], {"303": redirect("Not signed in: to the sign-in page.")}),
  "post": {"tags": ["Web pages"], "summary": "Create a dataset and its first resource from the uploaded file, as package_create and resource_create do, then show the file's ingestion.",
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["csrf", "title", "owner_org", "upload"], "properties": {
      "csrf": S, "title": S, "notes": S, "owner_org": S, "license_id": S, "frequency": {"type": "string", "description": "EU frequency code."},
      "theme": {"type": "string", "description": "EU data-theme code."}, "schema": {"type": "string", "description": "Table Schema id of the registry."},
      "upload": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}},
    "responses": {"303": redirect("Created: to the ingestion status page."), "400": html_resp("Unreadable form."), "403": forbidden,
      "413": html_resp("The file is larger than PASSERELLE_MAX_UPLOAD_BYTES: the form again."), "422": html_resp("Missing or invalid fields: the form again, errors listed and linked to their fields.")}}}
rid = [path_p("id", "Dataset name or id."), path_p("rid", "Resource id."), {"name": "auto", "in": "query", "schema": {"type": "string", "enum": ["0"]}, "description": "0: do not follow the ingestion automatically."}]
paths["/dataset/{id}/resource/{rid}/status"] = {"get": page("A file's ingestion: state, progress and rows (updated every 2 s while it runs: in place with JavaScript, by a <noscript> meta refresh without; ?auto=0 stops it), then the detection and validation reports.", rid,
  {"403": html_resp("Private dataset."), "404": html_resp("No such dataset or resource.")})}
did = [path_p("id", "Dataset name or id.")]
def write_pages(summary, post_summary, ok):
    get = page(summary, did, {"303": redirect("Not signed in: to the sign-in page."), "403": forbidden, "404": html_resp("No such dataset.")})
    post = {"tags": ["Web pages"], "summary": post_summary, "parameters": did, "requestBody": form_body,
      "responses": {**ok, "400": html_resp("Unreadable form."), "403": forbidden, "404": html_resp("No such dataset."), "422": html_resp("Invalid fields: the form again, errors listed and linked to their fields.")}}
    return {"get": get, "post": post}
paths["/dataset/{id}/edit"] = write_pages("Form that edits a dataset's metadata (its organisation's editors).", "Save the metadata form.", {"303": redirect("Saved: to the dataset's page.")})
paths["/dataset/{id}/delete"] = write_pages("Asks to confirm a dataset's deletion.", "Delete the dataset (soft, as package_delete).", {"200": html_resp("Deleted.")})
paths["/api/3"] = {"get": {"tags": ["CKAN actions"], "summary": "API version, as CKAN answers it.", "responses": {"200": {"description": "The version.", "content": {"application/json": {"schema": {"type": "object", "required": ["version"], "properties": {"version": {"const": 3}}}}}}}}}
for prefix in ["/api/3/action/", "/api/action/"]:
    for name, *_ in actions:
        paths[prefix + name] = {"$ref": f"#/components/pathItems/{name}"}
    paths[prefix + "{action}"] = {"$ref": "#/components/pathItems/unknown_action"}
pathItems["unknown_action"] = {"summary": "Any other action name: CKAN's 400 \"Action name not known\".",
  "parameters": [{"name": "action", "in": "path", "required": True, "schema": S}],
  "get": {"tags": ["CKAN actions"], "summary": "Unknown action.", "responses": {"400": resp("BadRequest"), "429": resp("TooManyRequests")}},
  "post": {"tags": ["CKAN actions"], "summary": "Unknown action.", "responses": {"400": resp("BadRequest"), "429": resp("TooManyRequests")}}}

# Every route but the operator's probes is rate limited (api/limits.go).
for path, item in paths.items():
    if path in ("/healthz", "/readyz", "/metrics") or "$ref" in item:
        continue
    for op in item.values():
        op["responses"] = dict(op["responses"], **{"429": resp("TooManyRequests" if path.startswith("/api/") else "TooManyRequestsText")})

doc = {
 "openapi": "3.1.0",
 "info": {"title": "Passerelle", "version": "0.1.0",
   "description": "Open-data gateway for French local governments. The CKAN Action API (v3) is served at /api/3/action/{action} and /api/action/{action} (ckanapi's default), with CKAN's envelope {help, success, result} and its error types and status codes. Read actions accept GET (query string) and POST; write actions need POST with a JSON body (or a form) and an API token. No route ever redirects.\n\nLimits (each configurable with a flag or PASSERELLE_* variable of `passerelle serve`): JSON and form bodies up to 1 MiB (413), uploads up to 1 GiB (413), JSON nested at most 32 levels (409), package_search rows capped at 1000 and facet.limit at 1000 (silently, as CKAN caps rows), at most 20 facet.field names, and in q and fq together at most 32 terms and 10 000 characters, each at most 8192 bytes (400 Search Query Error), start and offset at most 2147483647 (409); datastore_search limit capped at 32000, q at most 32 words and 10 000 characters, filters at most 500 values (409). Per client (its API token, else its address), per instance: 100 reads a second (bursts of 200) and 10 writes a second (bursts of 20), then 429 with Retry-After. Slow clients are cut off: headers within 10 s, no pause over 30 s in a body or while reading a response, bodies at 1 KiB/s at least."},
 "servers": [{"url": "http://localhost:8080"}],
 "tags": [{"name": "CKAN actions", "description": "CKAN Action API v3."}, {"name": "Operations", "description": "Health and metrics for operators."}, {"name": "Files", "description": "Downloads and table exports."}, {"name": "DCAT", "description": "DCAT-AP 3 feeds for data.gouv.fr, data.europa.eu and any DCAT harvester."}, {"name": "Web pages", "description": "Server-rendered pages for agents and citizens (French, English), accessible (RGAA 4 / WCAG 2.1 AA)."}],
 "paths": paths,
 "components": {
   "securitySchemes": {
     "apiToken": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "An API token from `passerelle token create`, raw or after \"Bearer \"."},
     "ckanAPIKey": {"type": "apiKey", "in": "header", "name": "X-CKAN-API-Key", "description": "The same token, in the header ckanapi also sends."}},
   "schemas": schemas, "responses": responses, "headers": headers, "pathItems": pathItems}}

with open("openapi.yaml", "w") as f:
    f.write("# Passerelle HTTP API. api/openapi_test.go checks that it documents exactly\n# the routes the server registers, and validates test responses against it.\n# Generated by tools/openapi/gen.py: edit that script, not this file.\n")
    yaml.dump(doc, f, Dumper=NoAlias, sort_keys=False, allow_unicode=True, width=100)
