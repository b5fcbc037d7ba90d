package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAccountsMessagesExist: every message id package accounts can put in
// an error or a status (its Msg... constants, read from its source so that
// a new one cannot be missed) and every accounts problem kind speaks every
// language. Some ids are shared with auth and live in its files.
func TestAccountsMessagesExist(t *testing.T) {
	ids := accountsMessageIDs(t)
	if len(ids) < 40 {
		t.Fatalf("found only %d message ids in package accounts: %v", len(ids), ids)
	}
	ids = append(ids, kindPropagationNotFailed.title, kindPropagationNotFailed.detail)
	env := newTestEnv(t, Config{})
	data := map[string]any{"Count": 2, "Service": "Treth y Cyngor"}
	for i := range env.srv.langs.tags {
		for _, id := range ids {
			got := env.srv.langs.localize(i, id, data, 2)
			if got == id || got == "" || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
				t.Errorf("%s: message %q renders %q", env.srv.langs.name(i), id, got)
			}
		}
	}
	for _, lang := range []int{0, 1, 2, 3} {
		got := env.srv.langs.localize(lang, "ChangeServiceDelivered", data, nil)
		if !strings.Contains(got, "Treth y Cyngor") {
			t.Errorf("%s: the service's name is missing from %q", env.srv.langs.name(lang), got)
		}
	}
}

// accountsMessageIDs reads the values of the Msg... constants of package
// accounts.
func accountsMessageIDs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("accounts", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no source of package accounts: %v", err)
	}
	var ids []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range spec.Names {
				if !strings.HasPrefix(name.Name, "Msg") || i >= len(spec.Values) {
					continue
				}
				if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					id, _ := strconv.Unquote(lit.Value)
					ids = append(ids, id)
				}
			}
			return true
		})
	}
	return ids
}
