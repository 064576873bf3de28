package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

//go:embed demo/*.csv demo/*.xlsx
var demoFiles embed.FS

// demoDatasets are the datasets the demo publishes, one file each.
var demoDatasets = []struct {
	file, name, title, notes, license, frequency string
	tags, themes                                 []string
}{
	{"subventions-2024.csv", "subventions-2024", "Subventions versées aux associations en 2024",
		"Montants des subventions accordées par la commune aux associations, avec le SIRET du bénéficiaire.",
		"lov2", "annual", []string{"subventions", "associations", "finances"}, []string{"GOVE", "ECON"}},
	{"equipements-sportifs.xlsx", "equipements-sportifs", "Équipements sportifs et leur fréquentation",
		"Recensement des équipements sportifs communaux (feuille « Équipements ») et entrées annuelles (feuille « Fréquentation »).",
		"lov2", "irregular", []string{"sport", "équipements"}, []string{"EDUC"}},
	{"arbres-remarquables.csv", "arbres-remarquables", "Arbres remarquables",
		"Inventaire des arbres remarquables de la commune : espèce, hauteur, circonférence, date de plantation.",
		"odc-odbl", "", []string{"environnement", "arbres"}, []string{"ENVI"}},
}

// demoOrg publishes the demo datasets.
var demoOrg = catalog.Organization{
	Name: "commune-de-demo", Title: "Commune de Démo",
	Description: "Organisation d'exemple créée par `passerelle serve --demo`.",
}

// loadDemo publishes the sample files on a catalogue that holds nothing
// but them: missing demo datasets are created, and their ingestion runs in
// the workers like any upload. A catalogue with other datasets is left
// alone.
func loadDemo(ctx context.Context, st *stack, log *slog.Logger) error {
	ctx = catalog.WithPrincipal(ctx, operator)
	datasets := storage.NewDatasetService(st.db)
	others, err := datasets.SearchDatasets(ctx, catalog.SearchParams{
		FQ: []string{"-organization:" + demoOrg.Name}, IncludePrivate: true, IncludeDrafts: true,
	})
	if err != nil {
		return err
	}
	if others.Count > 0 {
		log.Info("demo data not loaded: the catalogue holds other datasets")
		return nil
	}
	orgs := storage.NewOrganizationService(st.db)
	org, err := orgs.FindOrganization(ctx, demoOrg.Name)
	if catalog.ErrorKind(err) == catalog.KindNotFound {
		o := demoOrg
		org, err = orgs.CreateOrganization(ctx, &o)
	}
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(st.tempDir, "demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, dd := range demoDatasets {
		b, err := fs.ReadFile(demoFiles, "demo/"+dd.file)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, dd.file)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
		if d, err := datasets.FindDataset(ctx, dd.name); err == nil && len(d.Resources) > 0 {
			continue // published by an earlier start
		}
		d := &catalog.Dataset{
			Name: dd.name, Title: dd.title, Notes: dd.notes, OwnerOrg: org.ID, LicenseID: dd.license,
			Frequency: dd.frequency, ContactName: demoOrg.Title, Themes: dd.themes,
		}
		if d.Frequency != "" {
			d.Frequency, _ = catalog.NormalizeFrequency(d.Frequency)
		}
		for i, th := range d.Themes {
			d.Themes[i], _ = catalog.NormalizeTheme(th)
		}
		for _, t := range dd.tags {
			d.Tags = append(d.Tags, catalog.Tag{Name: t})
		}
		if _, err := datasets.CreateDataset(ctx, d); err != nil && catalog.ErrorKind(err) != catalog.KindInvalid {
			return fmt.Errorf("demo dataset %s: %w", dd.name, err)
		}
		if _, err := publishFile(ctx, st, datasets, publishSpec{Org: org.ID, Dataset: dd.name, Path: path, Name: dd.file}); err != nil {
			return fmt.Errorf("demo file %s: %w", dd.file, err)
		}
	}
	log.Info("demo data published", "organization", org.Name, "datasets", len(demoDatasets))
	return nil
}
