package main

import (
	"bufio"
	"errors"
	"flag"
	"io"
	"strings"

	"frontdoor/api/auth"
)

// userFlags are the flags of `frontdoor admin create-user`.
type userFlags struct {
	email, role, name string
	teams             teamList
	passwordStdin     bool
}

type teamList []string

func (t *teamList) String() string     { return strings.Join(*t, ",") }
func (t *teamList) Set(v string) error { *t = append(*t, v); return nil }

func newUserFlags(fs *flag.FlagSet) *userFlags {
	u := &userFlags{}
	fs.StringVar(&u.email, "email", "", "the account's email address (required)")
	fs.StringVar(&u.role, "role", "", "staff, supervisor, admin or councillor (required)")
	fs.StringVar(&u.name, "name", "", "the person's name")
	fs.Var(&u.teams, "team", "a team the person belongs to; repeat for several")
	fs.BoolVar(&u.passwordStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
	return u
}

// input reads the password from stdin, never from the command line, where
// other users of the machine and shell history would see it.
func (u *userFlags) input(stdin io.Reader) (auth.CreateUserInput, error) {
	in := auth.CreateUserInput{Email: u.email, Name: u.name, Role: auth.Role(u.role), Teams: u.teams}
	if u.email == "" || u.role == "" {
		return in, errors.New("--email and --role are required")
	}
	if !u.passwordStdin {
		return in, errors.New("--password-stdin is required: pipe the password in")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return in, err
	}
	in.Password = strings.TrimRight(line, "\r\n")
	if in.Password == "" {
		return in, errors.New("no password on standard input")
	}
	return in, nil
}
