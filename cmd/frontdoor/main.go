// Command frontdoor runs Frontdoor, a council's digital front door: the JSON
// API and the web app, on an embedded SQLite store or on MongoDB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `frontdoor: a council's digital front door.

Usage:
  frontdoor [serve] [flags]   start the server (the default)
  frontdoor migrate [flags]   create or upgrade the store's schema and indexes, then exit
  frontdoor version           print the version

Every flag has an environment variable (FRONTDOOR_*); flags override it.
Run 'frontdoor <command> --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit status. 2 means the
// command line or configuration was wrong.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || !strings.HasPrefix(args[0], "-")) {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate":
	case "version":
		fmt.Fprintf(stdout, "frontdoor %s (%s)\n", version, runtime.Version())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "frontdoor: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	fs := flag.NewFlagSet("frontdoor "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: frontdoor %s [flags]\n\n%s\n\nFlags:\n", cmd, commandHelp[cmd])
		fs.PrintDefaults()
	}
	cfg, err := loadConfig(fs, args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "frontdoor: %v\n", err)
		return 2
	}
	m := NewMain(cfg, stdout, stderr)
	if cmd == "migrate" {
		err = m.Migrate(ctx)
	} else {
		err = m.Serve(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "frontdoor: %v\n", err)
		return 1
	}
	return 0
}

var commandHelp = map[string]string{
	"serve":   "Starts the HTTP server and the outbox workers; stops gracefully on SIGINT or SIGTERM.",
	"migrate": "Creates or upgrades the store's schema and declared indexes; idempotent, so safe to run any number of times.",
}
