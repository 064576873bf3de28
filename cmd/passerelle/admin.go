package main

import (
	"errors"
	"fmt"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

type orgCmd struct {
	Create orgCreateCmd `cmd:"" help:"Create an organisation."`
}

type orgCreateCmd struct {
	storageFlags
	Name        string `arg:"" help:"Short name (slug): 2 to 100 lowercase letters, digits, - or _."`
	Title       string `help:"Display title, e.g. \"Ville de Poitiers\"."`
	Description string `help:"Description (markdown)."`
	SIREN       string `name:"siren" help:"SIREN number (9 digits)."`
	Email       string `help:"Contact e-mail."`
}

func (c *orgCreateCmd) Run(e *env) error {
	db, err := c.open(e.ctx, e.log)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := catalog.WithPrincipal(e.ctx, operator)
	o, err := storage.NewOrganizationService(db).CreateOrganization(ctx, &catalog.Organization{
		Name: c.Name, Title: c.Title, Description: c.Description, SIREN: c.SIREN, Email: c.Email,
	})
	if err != nil {
		return fmt.Errorf("create organisation %s: %w", c.Name, err)
	}
	_, err = fmt.Fprintf(e.stdout, "Created organisation %s (%s)\n", o.Name, o.ID)
	return err
}

type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Create an API token and print it once."`
}

type tokenCreateCmd struct {
	storageFlags
	Name     string `required:"" help:"Label of the token, e.g. the person or script using it."`
	Org      string `help:"Organisation (name or id) whose datasets the token may write; or --sysadmin." placeholder:"ORG"`
	Sysadmin bool   `help:"Make a sysadmin token, which may do everything; or --org."`
}

// Validate checks that the token has exactly one scope. It looks at the
// values rather than letting kong's xor tag do it, which counts a flag as
// given as soon as its variable exists, so that PASSERELLE_SYSADMIN=false
// or an empty PASSERELLE_ORG clashed with the other flag.
func (c *tokenCreateCmd) Validate() error {
	switch {
	case c.Org == "" && !c.Sysadmin:
		return errors.New("missing scope: give --org ORG for an organisation editor or --sysadmin")
	case c.Org != "" && c.Sysadmin:
		return errors.New("--org and --sysadmin can't be used together: a token is either an organisation editor or a sysadmin")
	}
	return nil
}

func (c *tokenCreateCmd) Run(e *env) error {
	db, err := c.open(e.ctx, e.log)
	if err != nil {
		return err
	}
	defer db.Close()
	t := &catalog.Token{Name: c.Name, Sysadmin: c.Sysadmin, OrgID: c.Org}
	secret, err := storage.NewTokenService(db).CreateToken(e.ctx, t)
	if err != nil {
		return fmt.Errorf("create token %s: %w", c.Name, err)
	}
	scope := "sysadmin"
	if !c.Sysadmin {
		scope = "editor of organisation " + c.Org
	}
	fmt.Fprintf(e.stderr, "Created token %q (%s). It is shown once; only its hash is stored.\n", c.Name, scope)
	_, err = fmt.Fprintln(e.stdout, secret)
	return err
}
