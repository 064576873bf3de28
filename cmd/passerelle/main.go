// Command passerelle runs the Passerelle open-data gateway: the HTTP server
// and the operator's commands (organisations, tokens).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "passerelle:", describe(err))
		os.Exit(1)
	}
}

// cli is the command line. Every flag can also be set with an environment
// variable PASSERELLE_<FLAG> (e.g. PASSERELLE_DATA_DIR); a flag given on the
// command line wins.
type cli struct {
	LogLevel string `help:"Log level: debug, info, warn or error." default:"info" enum:"debug,info,warn,error"`

	Serve    serveCmd    `cmd:"" help:"Run the HTTP server (CKAN API)."`
	Org      orgCmd      `cmd:"" help:"Manage organisations."`
	Token    tokenCmd    `cmd:"" help:"Manage API tokens."`
	Import   importCmd   `cmd:"" help:"Publish a file as a resource of a dataset: stored as is, then ingested (column types, normalised CSV, datastore)."`
	Validate validateCmd `cmd:"" help:"Check a file against a Table Schema (SCDL…) as it will be published; exit status 1 when it does not follow it."`
	Inspect  inspectCmd  `cmd:"" help:"Show what Passerelle finds in a spreadsheet: format, encoding, delimiter, header, sheets, column types."`
	Check    checkCmd    `cmd:"" help:"Compare the catalogue with its files, datastore tables and ingestion queue; exit status 1 when something is wrong (--repair fixes what can be)."`
	Backup   backupCmd   `cmd:"" help:"Copy a SQLite data directory (catalogue, datastore, files) to a new directory, safely while the server runs."`
	Restore  restoreCmd  `cmd:"" help:"Restore a backup written by passerelle backup into an empty data directory."`
	Version  versionCmd  `cmd:"" help:"Print the version."`

	Healthcheck healthcheckCmd `cmd:"" hidden:"" help:"Exit 0 when a local server answers /healthz (for container health checks)."`
}

// env is what commands receive from run.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// storageFlags are the flags of every command that opens the catalogue.
type storageFlags struct {
	DataDir     string `help:"Data directory: SQLite catalogue, datastore and files." default:"./data" type:"path"`
	DatabaseURL string `help:"Empty for SQLite in the data directory, or postgres://user:pass@host/db for PostgreSQL."`
}

func (f storageFlags) open(ctx context.Context, log *slog.Logger) (*storage.DB, error) {
	return storage.Open(ctx, storage.Config{DataDir: f.DataDir, DatabaseURL: f.DatabaseURL, Logger: log})
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c cli
	exitCode := -1
	parser, err := kong.New(&c,
		kong.Name("passerelle"),
		kong.Description("Passerelle publishes local governments' spreadsheets as open data, through a CKAN-compatible API and DCAT-AP feeds."),
		kong.DefaultEnvars("PASSERELLE"),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = code }),
		kong.UsageOnError(),
	)
	if err != nil {
		return err
	}
	kctx, err := parser.Parse(args)
	if exitCode >= 0 { // --help was printed
		if exitCode == 0 {
			return nil
		}
		return errors.New("invalid command line")
	}
	if err != nil {
		return err
	}
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.LogLevel]
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	return kctx.Run(&env{ctx: ctx, stdout: stdout, stderr: stderr, log: log})
}

// operator is the principal of commands run on the server itself: whoever
// can run them can read the database anyway.
var operator = &catalog.Principal{Name: "command line", Sysadmin: true}

type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	_, err := fmt.Fprintln(e.stdout, "passerelle", versionString())
	return err
}

func versionString() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// describe turns an error into a plain sentence for the terminal: catalog
// validation errors list their fields.
func describe(err error) string {
	var ce *catalog.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	if len(ce.Fields) == 0 {
		if ce.Msg != "" {
			return ce.Msg
		}
		return err.Error()
	}
	keys := make([]string, 0, len(ce.Fields))
	for k := range ce.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + strings.Join(ce.Fields[k], " ")
	}
	return strings.Join(parts, "; ")
}
