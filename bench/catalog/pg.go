package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"regexp"

	"github.com/jackc/pgx/v5"
)

// pgdb (re)creates an empty database for the benchmark on the PostgreSQL
// server of -database-url and prints its URL: the benchmark never writes
// into the database it is given.
func pgdb(args []string) error {
	fs := flag.NewFlagSet("pgdb", flag.ContinueOnError)
	dbURL := fs.String("database-url", "", "PostgreSQL server URL")
	name := fs.String("name", "passerelle_catbench", "database to create, dropped first if it exists")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(*name) {
		return fmt.Errorf("bad database name %q", *name)
	}
	u, err := url.Parse(*dbURL)
	if err != nil {
		return err
	}
	if u.Path == "/"+*name {
		return errors.New("-database-url names the database to drop: give the server's maintenance database")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, sql := range []string{"DROP DATABASE IF EXISTS " + *name + " WITH (FORCE)", "CREATE DATABASE " + *name} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	u.Path = "/" + *name
	fmt.Println(u.String())
	return nil
}
