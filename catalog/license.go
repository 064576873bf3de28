package catalog

// License is a licence a dataset can be published under. IDs are the ones
// data.gouv.fr's harvesters match (research/harvest-contract.md §2), URLs
// the canonical documents they compare against.
type License struct {
	ID           string
	Title        string
	URL          string // empty for generic licences
	OKDCompliant bool
	// Domains tell what the licence is meant for, as CKAN's license_list
	// reports them.
	DomainContent, DomainData, DomainSoftware bool
	Generic                                   bool
}

// licenses is ordered as CKAN's license_list and data.gouv.fr list them.
var licenses = []License{
	{ID: "lov2", Title: "Licence Ouverte / Open Licence version 2.0", URL: "https://www.etalab.gouv.fr/licence-ouverte-open-licence", OKDCompliant: true, DomainContent: true, DomainData: true},
	{ID: "fr-lo", Title: "Licence Ouverte / Open Licence", URL: "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf", OKDCompliant: true, DomainContent: true, DomainData: true},
	{ID: "odc-odbl", Title: "Open Data Commons Open Database License (ODbL)", URL: "http://opendatacommons.org/licenses/odbl/summary/", OKDCompliant: true, DomainData: true},
	{ID: "odc-by", Title: "Open Data Commons Attribution License", URL: "http://opendatacommons.org/licenses/by/summary/", OKDCompliant: true, DomainData: true},
	{ID: "odc-pddl", Title: "Open Data Commons Public Domain Dedication and Licence (PDDL)", URL: "http://opendatacommons.org/licenses/pddl/summary/", OKDCompliant: true, DomainData: true},
	{ID: "cc-by", Title: "Creative Commons Attribution", URL: "http://www.opendefinition.org/licenses/cc-by", OKDCompliant: true, DomainContent: true},
	{ID: "cc-by-sa", Title: "Creative Commons Attribution Share-Alike", URL: "http://www.opendefinition.org/licenses/cc-by-sa", OKDCompliant: true, DomainContent: true},
	{ID: "cc-zero", Title: "Creative Commons CCZero", URL: "http://www.opendefinition.org/licenses/cc-zero", OKDCompliant: true, DomainContent: true, DomainData: true, DomainSoftware: true},
	{ID: "notspecified", Title: "License Not Specified", Generic: true},
	{ID: "other-open", Title: "Other (Open)", OKDCompliant: true, DomainContent: true, Generic: true},
	{ID: "other-at", Title: "Other (Attribution)", OKDCompliant: true, DomainContent: true, Generic: true},
	{ID: "other-pd", Title: "Other (Public Domain)", OKDCompliant: true, DomainContent: true, Generic: true},
	{ID: "other-closed", Title: "Other (Not Open)", DomainContent: true, Generic: true},
}

// Licenses returns every licence the catalogue accepts, in display order.
// The slice is a copy.
func Licenses() []License {
	return append([]License(nil), licenses...)
}

// LicenseByID returns the licence with the given id, and false when the id
// is unknown.
func LicenseByID(id string) (License, bool) {
	for _, l := range licenses {
		if l.ID == id {
			return l, true
		}
	}
	return License{}, false
}
