package dcat

import (
	"fmt"

	"github.com/passerelle/passerelle/catalog"
)

// Gap is a DCAT-AP property a dataset's feed lacks, and the CKAN field that
// would fill it.
type Gap struct {
	Property  string `json:"property"` // e.g. "dct:description"
	Field     string `json:"field"`    // e.g. "notes", "resources[0].format"
	Level     string `json:"level"`    // "mandatory" or "recommended"
	Message   string `json:"message"`
	MessageFR string `json:"message_fr"`
}

// Completeness lists what a dataset should still be given for its DCAT-AP
// description to be complete: mandatory properties first. An empty list
// means the dataset passes the DCAT-AP 3 shapes with nothing left to add.
func (m *Mapper) Completeness(d *catalog.Dataset) []Gap {
	var gaps []Gap
	add := func(level, prop, field, en, fr string) {
		gaps = append(gaps, Gap{Property: prop, Field: field, Level: level, Message: en, MessageFR: fr})
	}
	if d.Notes == "" {
		add("mandatory", "dct:description", "notes",
			"Describe the dataset: what it holds, where the data comes from, how often it changes.",
			"Décrivez le jeu de données : ce qu'il contient, d'où viennent les données, à quel rythme elles changent.")
	}
	for i := range d.Resources {
		r := &d.Resources[i]
		if r.DownloadURL(m.BaseURL) == "" {
			add("mandatory", "dcat:accessURL", fmt.Sprintf("resources[%d].url", i),
				fmt.Sprintf("Resource %q has no URL: upload its file or give its address.", r.Name),
				fmt.Sprintf("La ressource %q n'a pas d'adresse : déposez son fichier ou indiquez son adresse.", r.Name))
		}
		if fileTypeURI(r.Format) == "" {
			add("recommended", "dct:format", fmt.Sprintf("resources[%d].format", i),
				fmt.Sprintf("Give resource %q a known format (CSV, XLSX, ODS, JSON, GeoJSON, PDF…).", r.Name),
				fmt.Sprintf("Indiquez un format connu pour la ressource %q (CSV, XLSX, ODS, JSON, GeoJSON, PDF…).", r.Name))
		}
	}
	if len(d.Resources) == 0 {
		add("recommended", "dcat:distribution", "resources",
			"Add at least one resource: a file or a link to the data.",
			"Ajoutez au moins une ressource : un fichier ou un lien vers les données.")
	}
	if _, _, ok := m.licenceURI(d.LicenseID); !ok {
		add("recommended", "dct:license", "license_id",
			"Choose a licence (for a public body's data, usually lov2, the Licence Ouverte 2.0).",
			"Choisissez une licence (pour les données d'une administration, en général lov2, la Licence Ouverte 2.0).")
	}
	if len(d.Tags) == 0 {
		add("recommended", "dcat:keyword", "tags", "Add a few keywords.", "Ajoutez quelques mots-clés.")
	}
	if len(d.Themes) == 0 {
		add("recommended", "dcat:theme", "theme",
			"Choose at least one EU data theme (e.g. GOVE, ECON, ENVI, TRAN).",
			"Choisissez au moins un thème européen (par exemple GOVE, ECON, ENVI, TRAN).")
	}
	if name, email := contactOf(d); name == "" && email == "" {
		add("recommended", "dcat:contactPoint", "contact_email",
			"Give a contact (contact_name and contact_email) for questions about the data.",
			"Indiquez un contact (contact_name et contact_email) pour les questions sur les données.")
	}
	if d.SpatialURI == "" && d.Spatial == "" {
		add("recommended", "dct:spatial", "spatial_uri",
			"Say which territory the data covers (spatial_uri, e.g. the commune's INSEE URI).",
			"Indiquez le territoire couvert (spatial_uri, par exemple l'URI INSEE de la commune).")
	}
	if d.TemporalStart == "" && d.TemporalEnd == "" {
		add("recommended", "dct:temporal", "temporal_start",
			"Give the period the data covers (temporal_start, temporal_end).",
			"Indiquez la période couverte par les données (temporal_start, temporal_end).")
	}
	if d.Frequency == "" {
		add("recommended", "dct:accrualPeriodicity", "frequency",
			"Say how often the data is updated (frequency: annual, monthly, irregular…).",
			"Indiquez la fréquence de mise à jour (frequency : annual, monthly, irregular…).")
	}
	return gaps
}
