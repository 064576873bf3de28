package api

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// lang is the language a page is written in: French by default, English
// when the visitor asks for it.
type lang struct {
	Code string // "fr" or "en"
}

// langCookie remembers a visitor's choice of language.
const langCookie = "passerelle_lang"

// pageLang picks the language: ?lang= (remembered in a cookie), else the
// cookie, else the first of fr and en in Accept-Language, else French.
func (s *Server) pageLang(c *gin.Context) lang {
	if v := c.Query("lang"); v == "fr" || v == "en" {
		http.SetCookie(c.Writer, &http.Cookie{
			Name: langCookie, Value: v, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(),
		})
		return lang{v}
	}
	if ck, err := c.Request.Cookie(langCookie); err == nil && (ck.Value == "fr" || ck.Value == "en") {
		return lang{ck.Value}
	}
	return lang{acceptLanguage(c.GetHeader("Accept-Language"))}
}

// acceptLanguage returns "en" when an Accept-Language header prefers
// English to French, else "fr".
func acceptLanguage(h string) string {
	best, bestQ := "fr", 0.0
	for _, part := range strings.Split(h, ",") {
		tag, params, err := mime.ParseMediaType("x/" + strings.TrimSpace(part))
		if err != nil {
			continue
		}
		tag = strings.ToLower(strings.TrimPrefix(tag, "x/"))
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(tag, "-")
		if (base == "fr" || base == "en") && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// T returns the message key in the page's language; an unknown key is
// returned as is, so that a missing message shows rather than hides.
func (l lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l.Code == "en" {
		return m[1]
	}
	return m[0]
}

// Other is the code of the other language.
func (l lang) Other() string {
	if l.Code == "en" {
		return "fr"
	}
	return "en"
}

// OtherName is the other language's name, in that language.
func (l lang) OtherName() string {
	if l.Code == "en" {
		return "Français"
	}
	return "English"
}

// number writes a decimal number with the language's separator.
func (l lang) number(s string) string {
	if l.Code == "fr" {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Int writes a whole number with thousands separators.
func (l lang) Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if l.Code == "fr" {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Bool writes a boolean value as a word.
func (l lang) Bool(b bool) string {
	if b {
		return l.T("yes")
	}
	return l.T("no")
}

// Delimiter names a CSV delimiter: "point-virgule (;)".
func (l lang) Delimiter(d string) string {
	key := map[string]string{";": "delim_semicolon", ",": "delim_comma", "\t": "delim_tab", "|": "delim_pipe"}[d]
	if key == "" {
		return d
	}
	if d == "\t" {
		return l.T(key)
	}
	return l.T(key) + " (" + d + ")"
}

// Size writes a byte count.
func (l lang) Size(n int64) string { return humanSize(n, l) }

var monthsFR = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// Date writes a day: "2 mai 2024", "2 May 2024".
func (l lang) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.UTC()
	if l.Code == "fr" {
		return strconv.Itoa(t.Day()) + " " + monthsFR[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
	return t.Format("2 January 2006")
}

// License returns a licence's title, or the id when unknown.
func (l lang) License(id string) string {
	if id == "" {
		return l.T("none")
	}
	if lic, ok := catalog.LicenseByID(id); ok {
		if t, ok := licenseTitlesFR[id]; ok && l.Code == "fr" {
			return t
		}
		return lic.Title
	}
	return id
}

// Frequency returns the label of an EU frequency URI.
func (l lang) Frequency(uri string) string {
	code := strings.TrimPrefix(uri, catalog.FrequencyBase)
	for _, f := range frequencies {
		if f.Code == code {
			if l.Code == "en" {
				return f.EN
			}
			return f.FR
		}
	}
	return code
}

// Theme returns the label of an EU data-theme URI.
func (l lang) Theme(uri string) string {
	code := strings.TrimPrefix(uri, catalog.DataThemeBase)
	for _, t := range catalog.DataThemes() {
		if t.Code == code {
			if l.Code == "en" {
				return t.LabelEN
			}
			return t.LabelFR
		}
	}
	return code
}

// ColumnType names a datastore type for people.
func (l lang) ColumnType(t string) string { return l.T("type_" + t) }

// licenseTitlesFR are the French titles of the licences whose title is
// English in license_list.
var licenseTitlesFR = map[string]string{
	"odc-by":       "Open Data Commons Attribution (ODC-BY)",
	"cc-by":        "Creative Commons Attribution (CC BY)",
	"cc-by-sa":     "Creative Commons Attribution – Partage dans les mêmes conditions (CC BY-SA)",
	"cc-zero":      "Creative Commons Zéro (CC0)",
	"notspecified": "Licence non précisée",
	"other-open":   "Autre (ouverte)",
	"other-at":     "Autre (attribution)",
	"other-pd":     "Autre (domaine public)",
	"other-closed": "Autre (fermée)",
}

// frequencyLabel is a concept of the EU frequency vocabulary offered in
// forms, with its labels.
type frequencyLabel struct{ Code, FR, EN string }

// frequencies are the update frequencies the forms offer, most common
// first in each group, with the EU vocabulary's French and English labels.
var frequencies = []frequencyLabel{
	{"UNKNOWN", "Inconnue", "Unknown"},
	{"NEVER", "Jamais (données figées)", "Never"},
	{"IRREG", "Irrégulière", "Irregular"},
	{"UPDATE_CONT", "Mise à jour en continu", "Continuously updated"},
	{"HOURLY", "Toutes les heures", "Hourly"},
	{"DAILY", "Quotidienne", "Daily"},
	{"WEEKLY", "Hebdomadaire", "Weekly"},
	{"BIWEEKLY", "Toutes les deux semaines", "Every two weeks"},
	{"MONTHLY", "Mensuelle", "Monthly"},
	{"BIMONTHLY", "Bimestrielle", "Bimonthly"},
	{"QUARTERLY", "Trimestrielle", "Quarterly"},
	{"ANNUAL_2", "Semestrielle", "Semiannual"},
	{"ANNUAL", "Annuelle", "Annual"},
	{"BIENNIAL", "Biennale", "Biennial"},
	{"TRIENNIAL", "Triennale", "Triennial"},
	{"QUINQUENNIAL", "Quinquennale", "Quinquennial"},
	{"OTHER", "Autre", "Other"},
}

// messages are the pages' texts: French, then English.
var messages = map[string][2]string{
	"site_default":       {"Passerelle", "Passerelle"},
	"skip":               {"Aller au contenu", "Skip to content"},
	"nav_main":           {"Navigation principale", "Main navigation"},
	"nav_home":           {"Catalogue", "Catalogue"},
	"nav_publish":        {"Publier", "Publish"},
	"nav_login":          {"Se connecter", "Sign in"},
	"nav_logout":         {"Se déconnecter", "Sign out"},
	"signed_in_as":       {"Connecté·e avec le jeton", "Signed in with token"},
	"lang_switch_label":  {"Read this page in English", "Lire cette page en français"},
	"footer_api":         {"API du catalogue (CKAN)", "Catalogue API (CKAN)"},
	"footer_dcat":        {"Catalogue DCAT-AP", "DCAT-AP catalogue"},
	"footer_openapi":     {"Documentation de l'API (OpenAPI)", "API documentation (OpenAPI)"},
	"footer_access":      {"Accessibilité : pages conçues pour le RGAA 4 / WCAG 2.1 AA, non auditées", "Accessibility: pages built for RGAA 4 / WCAG 2.1 AA, not audited"},
	"errors_title":       {"Le formulaire contient des erreurs", "There is a problem with the form"},
	"none":               {"Non renseignée", "Not given"},
	"optional":           {"Facultatif.", "Optional."},
	"yes":                {"oui", "yes"},
	"no":                 {"non", "no"},
	"hist_value":         {"valeur", "value"},
	"colon":              {" : ", ": "},
	"form":               {"Formulaire", "Form"},
	"required":           {"Obligatoire.", "Required."},
	"home_title":         {"Catalogue des données", "Data catalogue"},
	"search_label":       {"Rechercher des données", "Search data"},
	"search_hint":        {"Mots du titre, de la description ou des mots-clés.", "Words of the title, description or keywords."},
	"search_button":      {"Rechercher", "Search"},
	"search_results":     {"Résultats", "Results"},
	"results_count_0":    {"Aucun jeu de données ne correspond.", "No dataset matches."},
	"results_count_1":    {"1 jeu de données", "1 dataset"},
	"results_count_n":    {"jeux de données", "datasets"},
	"results_none":       {"Aucun résultat", "No result"},
	"results_for":        {"pour", "for"},
	"filters":            {"Affiner la recherche", "Refine the search"},
	"filters_active":     {"Filtres actifs", "Active filters"},
	"filter_remove":      {"Retirer le filtre", "Remove filter"},
	"facet_organization": {"Organisation", "Organisation"},
	"facet_tags":         {"Mot-clé", "Keyword"},
	"facet_res_format":   {"Format", "Format"},
	"facet_license_id":   {"Licence", "Licence"},
	"pagination":         {"Pagination", "Pagination"},
	"page_prev":          {"Page précédente", "Previous page"},
	"page_next":          {"Page suivante", "Next page"},
	"page_n":             {"Page", "Page"},
	"page_of":            {"sur", "of"},
	"modified":           {"Mis à jour le", "Updated"},
	"created":            {"Créé le", "Created"},
	"private":            {"Privé", "Private"},
	"draft":              {"Brouillon", "Draft"},
	"resources_count":    {"fichiers", "files"},

	"ds_about":           {"Informations", "About"},
	"ds_org":             {"Organisation", "Organisation"},
	"ds_license":         {"Licence", "Licence"},
	"ds_frequency":       {"Fréquence de mise à jour", "Update frequency"},
	"ds_temporal":        {"Période couverte", "Period covered"},
	"ds_temporal_to":     {"au", "to"},
	"ds_spatial":         {"Couverture géographique", "Spatial coverage"},
	"ds_themes":          {"Thèmes", "Themes"},
	"ds_tags":            {"Mots-clés", "Keywords"},
	"ds_contact":         {"Contact", "Contact"},
	"ds_version":         {"Version", "Version"},
	"ds_files":           {"Fichiers", "Files"},
	"ds_no_files":        {"Ce jeu de données n'a pas encore de fichier.", "This dataset has no file yet."},
	"ds_download":        {"Télécharger", "Download"},
	"ds_open_link":       {"Ouvrir le lien", "Open the link"},
	"ds_file_name":       {"Nom", "Name"},
	"ds_file_format":     {"Format", "Format"},
	"ds_file_size":       {"Taille", "Size"},
	"ds_file_modified":   {"Modifié le", "Modified"},
	"ds_file_link":       {"Lien", "Link"},
	"ds_files_caption":   {"Fichiers du jeu de données", "Files of the dataset"},
	"ds_ingest_status":   {"Suivre l'intégration", "Follow the ingestion"},
	"ds_preview":         {"Aperçu des données", "Data preview"},
	"ds_preview_caption": {"premières lignes de", "first rows of"},
	"ds_preview_none":    {"Aucun tableau n'est encore chargé : l'aperçu apparaîtra après l'intégration du fichier.", "No table is loaded yet: the preview appears once the file is ingested."},
	"ds_preview_rows":    {"lignes au total", "rows in all"},
	"ds_columns":         {"Colonnes", "Columns"},
	"ds_columns_caption": {"Colonnes de", "Columns of"},
	"col_label":          {"Colonne", "Column"},
	"col_name":           {"Nom technique", "Field name"},
	"col_type":           {"Type", "Type"},
	"col_fill":           {"Remplissage", "Filled"},
	"col_distinct":       {"Valeurs distinctes", "Distinct values"},
	"col_min":            {"Minimum", "Minimum"},
	"col_max":            {"Maximum", "Maximum"},
	"col_hist":           {"Répartition", "Distribution"},
	"col_more_than":      {"plus de", "more than"},
	"hist_title":         {"Histogramme de", "Histogram of"},
	"hist_values":        {"valeurs", "values"},
	"hist_mode":          {"la plus fréquente", "most frequent"},
	"hist_list":          {"Valeurs de l'histogramme", "Histogram values"},
	"hist_bins":          {"classes", "bins"},
	"hist_from":          {"de", "from"},
	"hist_to":            {"à", "to"},
	"ds_validation":      {"Validation", "Validation"},
	"ds_validation_none": {"Aucun fichier ne déclare de schéma de données : rien à valider.", "No file declares a data schema: nothing to validate."},
	"ds_api":             {"Accès pour les développeurs", "Developer access"},
	"ds_api_ckan":        {"API CKAN", "CKAN API"},
	"ds_dcat_ttl":        {"DCAT Turtle", "DCAT Turtle"},
	"ds_dcat_jsonld":     {"DCAT JSON-LD", "DCAT JSON-LD"},
	"ds_datastore":       {"datastore_search", "datastore_search"},
	"ds_edit":            {"Modifier les informations", "Edit the metadata"},
	"ds_delete":          {"Supprimer le jeu de données", "Delete the dataset"},
	"ds_manage":          {"Gérer ce jeu de données", "Manage this dataset"},

	"type_text":      {"Texte", "Text"},
	"type_int":       {"Entier", "Integer"},
	"type_numeric":   {"Nombre", "Number"},
	"type_date":      {"Date", "Date"},
	"type_timestamp": {"Date et heure", "Date and time"},
	"type_bool":      {"Booléen (oui/non)", "Boolean (yes/no)"},

	"val_status":             {"Statut", "Status"},
	"val_schema":             {"Schéma", "Schema"},
	"val_success":            {"Valide : le fichier respecte le schéma.", "Valid: the file follows the schema."},
	"val_failure":            {"Invalide : le fichier ne respecte pas le schéma.", "Invalid: the file does not follow the schema."},
	"val_error":              {"Le fichier n'a pas pu être vérifié.", "The file could not be checked."},
	"val_pending":            {"Vérification en attente de l'intégration du fichier.", "Check waiting for the file's ingestion."},
	"val_rows":               {"Lignes vérifiées", "Rows checked"},
	"val_errors":             {"Erreurs", "Errors"},
	"val_warnings":           {"Avertissements", "Warnings"},
	"val_first_errors":       {"Premières erreurs de", "First errors of"},
	"val_row":                {"Ligne", "Row"},
	"val_column":             {"Colonne", "Column"},
	"val_value":              {"Valeur", "Value"},
	"val_message":            {"Message", "Message"},
	"val_truncated":          {"Seules les premières erreurs sont listées ; le rapport complet est donné par l'API resource_validation_show.", "Only the first errors are listed; resource_validation_show in the API gives the whole report."},
	"org_title":              {"Jeux de données de", "Datasets of"},
	"org_none":               {"Cette organisation n'a publié aucun jeu de données.", "This organisation has published no dataset."},
	"org_datasets":           {"Jeux de données", "Datasets"},
	"login_title":            {"Se connecter", "Sign in"},
	"login_intro":            {"Connectez-vous avec le jeton d'API que l'administrateur de la plateforme vous a remis (commande « passerelle token create »).", "Sign in with the API token the platform's administrator gave you (command \"passerelle token create\")."},
	"login_token":            {"Jeton d'API", "API token"},
	"login_token_hint":       {"Le jeton commence par « psl_ ». Il reste sur le serveur : le navigateur ne garde qu'un identifiant de session.", "The token starts with \"psl_\". It stays on the server: the browser only keeps a session id."},
	"login_button":           {"Se connecter", "Sign in"},
	"login_wrong":            {"Ce jeton n'est pas reconnu : vérifiez qu'il est complet, sans espace.", "This token is not recognised: check that it is complete, without spaces."},
	"login_missing":          {"Saisissez votre jeton d'API.", "Enter your API token."},
	"login_done":             {"Vous êtes connecté·e.", "You are signed in."},
	"logout_done":            {"Vous êtes déconnecté·e.", "You are signed out."},
	"pub_title":              {"Publier un jeu de données", "Publish a dataset"},
	"pub_intro":              {"Déposez un fichier CSV, XLSX ou ODS : il est conservé tel quel, puis nettoyé, décrit et chargé pour l'API. Les champs obligatoires sont signalés comme tels.", "Upload a CSV, XLSX or ODS file: it is kept as is, then cleaned, described and loaded for the API. Required fields say so."},
	"pub_dataset_title":      {"Titre du jeu de données", "Dataset title"},
	"pub_title_hint":         {"Par exemple « Subventions aux associations 2024 ». Il donne aussi l'adresse de la page.", "For instance \"Grants to associations 2024\". It also gives the page's address."},
	"pub_notes":              {"Description", "Description"},
	"pub_notes_hint":         {"Ce que contiennent les données, d'où elles viennent, leurs limites.", "What the data holds, where it comes from, its limits."},
	"pub_org":                {"Organisation", "Organisation"},
	"pub_file":               {"Fichier", "File"},
	"pub_file_hint":          {"CSV, TSV, XLSX ou ODS ; taille maximale", "CSV, TSV, XLSX or ODS; at most"},
	"pub_license":            {"Licence", "Licence"},
	"pub_license_hint":       {"La Licence Ouverte 2.0 est recommandée pour les données publiques.", "The Licence Ouverte 2.0 is recommended for public data."},
	"pub_frequency":          {"Fréquence de mise à jour", "Update frequency"},
	"pub_theme":              {"Thème", "Theme"},
	"pub_schema":             {"Schéma de données", "Data schema"},
	"pub_schema_hint":        {"Si le fichier suit un schéma de schema.data.gouv.fr (SCDL…), il sera vérifié.", "If the file follows a schema of schema.data.gouv.fr (SCDL…), it will be checked."},
	"pub_schema_none":        {"Aucun schéma", "No schema"},
	"pub_choose":             {"— Choisir —", "— Choose —"},
	"pub_button":             {"Publier", "Publish"},
	"pub_no_org":             {"Votre jeton ne permet d'écrire dans aucune organisation.", "Your token may not write to any organisation."},
	"pub_file_missing":       {"Choisissez le fichier à publier.", "Choose the file to publish."},
	"pub_file_too_large":     {"Le fichier dépasse la taille maximale", "The file is larger than the limit of"},
	"pub_title_missing":      {"Donnez un titre au jeu de données.", "Give the dataset a title."},
	"pub_org_missing":        {"Choisissez une organisation dans laquelle vous pouvez publier.", "Choose an organisation you may publish to."},
	"st_title":               {"Intégration du fichier", "File ingestion"},
	"st_state":               {"État", "State"},
	"st_pending":             {"En attente", "Waiting"},
	"st_running":             {"En cours", "Running"},
	"st_complete":            {"Terminée", "Complete"},
	"st_error":               {"Échec", "Failed"},
	"st_skipped":             {"Publié tel quel (pas un tableau)", "Published as is (not a table)"},
	"st_progress":            {"Avancement", "Progress"},
	"st_rows":                {"Lignes lues", "Rows read"},
	"st_refresh":             {"Cette page suit l'intégration toute seule, toutes les 2 secondes, jusqu'à son terme.", "This page follows the ingestion by itself, every 2 seconds, until it ends."},
	"st_refresh_stop":        {"Arrêter le suivi automatique", "Stop following automatically"},
	"st_refresh_stopped":     {"Le suivi automatique est arrêté.", "Automatic following is stopped."},
	"st_refresh_now":         {"Actualiser maintenant", "Refresh now"},
	"st_refresh_restart":     {"Reprendre le suivi automatique", "Follow automatically again"},
	"st_detection":           {"Ce que nous avons détecté", "What we detected"},
	"st_format":              {"Format", "Format"},
	"st_encoding":            {"Encodage", "Encoding"},
	"st_delimiter":           {"Séparateur", "Delimiter"},
	"st_header":              {"Ligne d'en-tête", "Header line"},
	"st_table":               {"Tableau", "Table"},
	"st_sheet":               {"Feuille", "Sheet"},
	"st_warnings":            {"Avertissements", "Warnings"},
	"st_back":                {"Voir la page du jeu de données", "See the dataset's page"},
	"st_no_ingest":           {"Ce fichier n'est pas intégré : c'est un lien.", "This file is not ingested: it is a link."},
	"delim_semicolon":        {"point-virgule", "semicolon"},
	"delim_comma":            {"virgule", "comma"},
	"delim_tab":              {"tabulation", "tab"},
	"delim_pipe":             {"barre verticale", "vertical bar"},
	"ed_title":               {"Modifier", "Edit"},
	"ed_tags":                {"Mots-clés", "Keywords"},
	"ed_tags_hint":           {"Séparés par des virgules, par exemple « budget, finances ».", "Separated by commas, for instance \"budget, finances\"."},
	"ed_temporal_start":      {"Début de la période couverte", "Start of the period covered"},
	"ed_temporal_end":        {"Fin de la période couverte", "End of the period covered"},
	"ed_date_hint":           {"Date au format AAAA-MM-JJ, par exemple 2024-01-31.", "Date as YYYY-MM-DD, for instance 2024-01-31."},
	"ed_contact_name":        {"Nom du contact", "Contact name"},
	"ed_contact_email":       {"Adresse électronique du contact", "Contact e-mail"},
	"ed_private":             {"Jeu de données privé (visible seulement par votre organisation)", "Private dataset (only your organisation sees it)"},
	"ed_button":              {"Enregistrer", "Save"},
	"ed_saved":               {"Les modifications sont enregistrées.", "The changes are saved."},
	"ed_cancel":              {"Annuler", "Cancel"},
	"del_title":              {"Supprimer", "Delete"},
	"del_confirm":            {"Voulez-vous vraiment supprimer ce jeu de données ? Il disparaîtra du catalogue ; les moissonneurs (data.gouv.fr…) verront sa suppression.", "Do you really want to delete this dataset? It leaves the catalogue; harvesters (data.gouv.fr…) will see it go."},
	"del_button":             {"Supprimer définitivement", "Delete for good"},
	"del_done":               {"Le jeu de données est supprimé.", "The dataset is deleted."},
	"err_not_found_title":    {"Page introuvable", "Page not found"},
	"err_not_found":          {"Cette page n'existe pas, ou plus. Vérifiez l'adresse, ou cherchez dans le catalogue.", "This page does not exist, or no longer does. Check the address, or search the catalogue."},
	"err_forbidden_title":    {"Accès refusé", "Access denied"},
	"err_forbidden":          {"Vous n'avez pas le droit de voir ou de faire cela. Connectez-vous avec un jeton de l'organisation concernée.", "You may not see or do this. Sign in with a token of the organisation concerned."},
	"err_csrf_title":         {"Formulaire expiré", "Form expired"},
	"err_csrf":               {"Ce formulaire n'a pas pu être vérifié (jeton de sécurité absent ou périmé). Rechargez la page et recommencez.", "This form could not be checked (security token missing or stale). Reload the page and try again."},
	"err_bad_request_title":  {"Requête incorrecte", "Bad request"},
	"err_bad_request":        {"La requête n'a pas pu être lue.", "The request could not be read."},
	"err_rate_limited_title": {"Trop de requêtes", "Too many requests"},
	"err_rate_limited":       {"Vous avez envoyé trop de requêtes en peu de temps. Réessayez dans quelques secondes.", "You sent too many requests in a short time. Try again in a few seconds."},
	"err_internal_title":     {"Erreur du serveur", "Server error"},
	"err_internal":           {"Une erreur est survenue de notre côté. Réessayez plus tard.", "Something went wrong on our side. Try again later."},
	"err_home":               {"Retour au catalogue", "Back to the catalogue"},
}
