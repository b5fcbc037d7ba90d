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
  frontdoor keys rotate       make a new token signing key (old ones verify until their tokens expire)
  frontdoor keys vapid        make the Web Push (VAPID) key pair if there is none, and print its public key
  frontdoor admin create-user --email E --role R [--team T]... --password-stdin
                              make a staff, supervisor, admin or councillor account
  frontdoor version           print the version

Every flag has an environment variable (FRONTDOOR_*); flags override it.
Run 'frontdoor <command> --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit status. 2 means the
// command line or configuration was wrong.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || !strings.HasPrefix(args[0], "-")) {
		cmd, args = args[0], args[1:]
	}
	if cmd == "admin" || cmd == "keys" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "frontdoor: %s needs a subcommand\n\n%s", cmd, usage)
			return 2
		}
		cmd, args = cmd+" "+args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate", "keys rotate", "keys vapid", "admin create-user":
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
	var user *userFlags
	if cmd == "admin create-user" {
		user = newUserFlags(fs)
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
	switch cmd {
	case "migrate":
		err = m.Migrate(ctx)
	case "keys rotate":
		err = m.RotateKeys(ctx)
	case "keys vapid":
		err = m.VAPIDKey(ctx)
	case "admin create-user":
		in, uerr := user.input(stdin)
		if uerr != nil {
			fmt.Fprintf(stderr, "frontdoor: %v\n", uerr)
			return 2
		}
		err = m.CreateUser(ctx, in)
	default:
		err = m.Serve(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "frontdoor: %v\n", err)
		return 1
	}
	return 0
}

var commandHelp = map[string]string{
	"serve":             "Starts the HTTP server and the outbox workers; stops gracefully on SIGINT or SIGTERM.",
	"keys rotate":       "Makes a new signing key for access tokens; tokens signed with the old key stay valid until they expire.",
	"keys vapid":        "Makes the Web Push (VAPID) key pair if the store has none, and prints its public key. The key is kept for good:\na new one would orphan every browser's subscription.",
	"admin create-user": "Creates a verified account for a member of staff (role staff needs --team), a supervisor, an admin or a councillor.\nThe password is read from the first line of standard input.",
	"migrate":           "Creates or upgrades the store's schema and declared indexes; idempotent, so safe to run any number of times.",
}
