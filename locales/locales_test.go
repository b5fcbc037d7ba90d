package locales

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// TestCatalogIsComplete fails when a message id of en.toml is missing from
// another locale (or a locale has one English lacks), when a translation's
// placeholders differ from the English, or when a plural message lacks a
// form its language uses (or has one it never uses).
func TestCatalogIsComplete(t *testing.T) {
	seen := map[string]string{} // message id -> area: ids must be unique across areas
	for _, area := range Areas() {
		catalog := map[string][]byte{}
		for _, tag := range Languages {
			data, err := fs.ReadFile(files, area+tag.String()+".toml")
			if err != nil {
				t.Fatalf("%s%s.toml is not embedded: %v", area, tag, err)
			}
			catalog[tag.String()+".toml"] = data
		}
		for _, err := range checkCatalog(catalog) {
			t.Errorf("%s%v", area, err)
		}
		for _, m := range parseFile(t, area+"en.toml") {
			if other, dup := seen[m.ID]; dup {
				t.Errorf("message %q is in both %sen.toml and %sen.toml", m.ID, other, area)
			}
			seen[m.ID] = area
		}
	}
	if len(seen) == 0 {
		t.Fatal("no messages found")
	}
}

// TestCatalogCheckCatchesMistakes proves the check above can fail: each
// broken catalog must be reported, with the reason.
func TestCatalogCheckCatchesMistakes(t *testing.T) {
	en := `
[Hello]
other = "Hello {{.Name}}"
[Wait]
one = "Wait {{.Count}} second"
other = "Wait {{.Count}} seconds"
`
	plWait := `
[Wait]
one = "Czekaj {{.Count}} sekundę"
few = "Czekaj {{.Count}} sekundy"
many = "Czekaj {{.Count}} sekund"
other = "Czekaj {{.Count}} sekundy"
`
	arWait := `
[Wait]
zero = "{{.Count}} ثانية"
one = "{{.Count}} ثانية"
two = "{{.Count}} ثانيتين"
few = "{{.Count}} ثوانٍ"
many = "{{.Count}} ثانية"
other = "{{.Count}} ثانية"
`
	tests := []struct {
		name string
		pl   string
		ar   string
		want string
	}{
		{"complete", `Hello = "Cześć {{.Name}}"` + plWait, `Hello = "مرحبًا {{.Name}}"` + arWait, ""},
		{"missing id", plWait, `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: message "Hello" is missing`},
		{"extra id", `Hello = "Cześć {{.Name}}"` + "\nBye = \"Pa\"\n" + plWait, `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: message "Bye" is not in en.toml`},
		{"renamed placeholder", `Hello = "Cześć {{.Imie}}"` + plWait, `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: "Hello" (other) has placeholders [Imie], English has [Name]`},
		{"dropped placeholder", `Hello = "Cześć"` + plWait, `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: "Hello" (other) has placeholders [], English has [Name]`},
		{"arabic without dual", `Hello = "Cześć {{.Name}}"` + plWait, `Hello = "مرحبًا {{.Name}}"` + strings.Replace(arWait, "two =", "# two =", 1), `ar.toml: "Wait" lacks plural form two`},
		{"polish with a form it never uses", `Hello = "Cześć {{.Name}}"` + plWait + "two = \"x {{.Count}}\"\n", `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: "Wait" has plural form two, which pl never uses`},
		{"plural in one form only", `Hello = "Cześć {{.Name}}"` + "\nWait = \"Czekaj {{.Count}}\"\n", `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: "Wait" lacks plural form few`},
		{"plural forms for a singular message", "[Hello]\none = \"Cześć {{.Name}}\"\nother = \"Cześć {{.Name}}\"\n" + plWait, `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: "Hello" has plural form one, but the English has only "other"`},
		{"broken template", `Hello = "Cześć {{.Name"` + plWait, `Hello = "مرحبًا {{.Name}}"` + arWait, `pl.toml: "Hello" (other): template`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := checkCatalog(map[string][]byte{"en.toml": []byte(en), "pl.toml": []byte(tt.pl), "ar.toml": []byte(tt.ar)})
			if tt.want == "" {
				if len(errs) > 0 {
					t.Fatalf("a complete catalog was refused: %v", errs)
				}
				return
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), tt.want) {
					return
				}
			}
			t.Fatalf("want an error containing %q, got %v", tt.want, errs)
		})
	}
}

// TestBundleSpeaksEveryLanguage localizes every message in every language,
// plural messages at many counts, through the same Bundle the server uses.
func TestBundleSpeaksEveryLanguage(t *testing.T) {
	b, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.LanguageTags(); !slices.Equal(got, Languages) {
		t.Fatalf("bundle languages %v, want %v", got, Languages)
	}
	if Languages[0] != language.English {
		t.Fatalf("English must come first (it is the fallback), got %v", Languages[0])
	}
	var en []*i18n.Message
	for _, area := range Areas() {
		en = append(en, parseFile(t, area+"en.toml")...)
	}
	for _, tag := range Languages {
		loc := i18n.NewLocalizer(b, tag.String())
		for _, m := range en {
			counts := []any{nil}
			if isPlural(m) {
				counts = pluralSamples()
			}
			for _, n := range counts {
				cfg := &i18n.LocalizeConfig{MessageID: m.ID, TemplateData: map[string]any{"Count": n, "Name": "x"}, PluralCount: n}
				s, got, err := loc.LocalizeWithTag(cfg)
				if err != nil || got != tag || s == "" || strings.Contains(s, "{{") {
					t.Errorf("%s %s (count %v): %q in %v, %v", tag, m.ID, n, s, got, err)
				}
			}
		}
	}
	// Welsh and English must differ somewhere obvious, or the files were swapped.
	cy := i18n.NewLocalizer(b, "cy")
	if s := cy.MustLocalize(&i18n.LocalizeConfig{MessageID: "ProblemNotFoundTitle"}); s != "Heb ei ganfod" {
		t.Errorf("Welsh not-found title %q", s)
	}
	ar := i18n.NewLocalizer(b, "ar")
	two := ar.MustLocalize(&i18n.LocalizeConfig{MessageID: "ProblemRateLimitedDetail", TemplateData: map[string]any{"Count": 2}, PluralCount: 2})
	if !strings.Contains(two, "ثانيتين") {
		t.Errorf("Arabic dual form not used for 2: %q", two)
	}
}

func parseFile(t *testing.T, name string) []*i18n.Message {
	t.Helper()
	data, err := fs.ReadFile(files, name)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := i18n.ParseMessageFileBytes(data, name, map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		t.Fatal(err)
	}
	return mf.Messages
}

// checkCatalog compares every locale file with en.toml.
func checkCatalog(catalog map[string][]byte) []error {
	var errs []error
	parsed := map[string]map[string]*i18n.Message{}
	tags := map[string]language.Tag{}
	for name, data := range catalog {
		mf, err := i18n.ParseMessageFileBytes(data, name, map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		parsed[name] = map[string]*i18n.Message{}
		tags[name] = mf.Tag
		for _, m := range mf.Messages {
			parsed[name][m.ID] = m
		}
	}
	en, ok := parsed["en.toml"]
	if !ok {
		return append(errs, fmt.Errorf("en.toml is missing"))
	}
	for _, name := range slices.Sorted(maps.Keys(parsed)) {
		msgs, tag := parsed[name], tags[name]
		used := pluralFormsUsed(tag)
		for _, id := range slices.Sorted(maps.Keys(en)) {
			m, ok := msgs[id]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: message %q is missing", name, id))
				continue
			}
			errs = append(errs, checkMessage(name, tag, en[id], m, used)...)
		}
		for _, id := range slices.Sorted(maps.Keys(msgs)) {
			if _, ok := en[id]; !ok {
				errs = append(errs, fmt.Errorf("%s: message %q is not in en.toml", name, id))
			}
		}
	}
	return errs
}

func checkMessage(file string, tag language.Tag, en, m *i18n.Message, used []string) []error {
	var errs []error
	want, err := placeholders(en.Other)
	if err != nil {
		return []error{fmt.Errorf("en.toml: %q (other): template: %w", en.ID, err)}
	}
	got := forms(m)
	if isPlural(en) {
		for _, f := range used {
			if got[f] == "" {
				errs = append(errs, fmt.Errorf("%s: %q lacks plural form %s", file, m.ID, f))
			}
		}
		for f := range got {
			if !slices.Contains(used, f) {
				errs = append(errs, fmt.Errorf("%s: %q has plural form %s, which %s never uses", file, m.ID, f, tag))
			}
		}
	} else {
		for f := range got {
			if f != "other" {
				errs = append(errs, fmt.Errorf("%s: %q has plural form %s, but the English has only \"other\"", file, m.ID, f))
			}
		}
	}
	for _, f := range slices.Sorted(maps.Keys(got)) {
		have, err := placeholders(got[f])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q (%s): template: %w", file, m.ID, f, err))
			continue
		}
		if !slices.Equal(have, want) {
			errs = append(errs, fmt.Errorf("%s: %q (%s) has placeholders %v, English has %v", file, m.ID, f, have, want))
		}
	}
	return errs
}

func isPlural(m *i18n.Message) bool { return len(forms(m)) > 1 || forms(m)["other"] == "" }

func forms(m *i18n.Message) map[string]string {
	out := map[string]string{}
	for f, s := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
		if s != "" {
			out[f] = s
		}
	}
	return out
}

// pluralFormsUsed asks go-i18n itself which plural forms it picks for tag
// over whole and fractional counts, so the check follows the library's rules
// (Arabic and Welsh use all six; English one and other).
func pluralFormsUsed(tag language.Tag) []string {
	b := i18n.NewBundle(language.English)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	b.MustAddMessages(tag, probe)
	loc := i18n.NewLocalizer(b, tag.String())
	seen := map[string]bool{"other": true} // go-i18n falls back to other
	for _, n := range pluralSamples() {
		seen[loc.MustLocalize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func pluralSamples() []any {
	var out []any
	for n := range 1001 {
		out = append(out, n)
	}
	return append(out, 1000000, "0.5", "1.5", "2.5", "10.5", "1.0")
}

// placeholders lists the template fields ({{.Name}}) a message uses, sorted.
func placeholders(src string) ([]string, error) {
	trees, err := parse.Parse("m", src, "{{", "}}")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, tree := range trees {
		walk(tree.Root, seen)
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

func walk(n parse.Node, seen map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walk(c, seen)
			}
		}
	case *parse.ActionNode:
		walk(n.Pipe, seen)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walk(c, seen)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walk(a, seen)
		}
	case *parse.FieldNode:
		seen[strings.Join(n.Ident, ".")] = true
	case *parse.ChainNode:
		walk(n.Node, seen)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, seen)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, seen)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, seen)
	}
}

func walkBranch(b *parse.BranchNode, seen map[string]bool) {
	walk(b.Pipe, seen)
	walk(b.List, seen)
	walk(b.ElseList, seen)
}

func TestLocalizeFallsBackAndPluralizes(t *testing.T) {
	b, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if got := Localize(b, "cy", "ProblemNotFoundTitle", nil); got != "Heb ei ganfod" {
		t.Errorf("Welsh title %q", got)
	}
	if got := Localize(b, "xx", "ProblemNotFoundTitle", nil); got != "Not found" {
		t.Errorf("unknown language should fall back to English, got %q", got)
	}
	if got := Localize(b, "ar", "ProblemRateLimitedDetail", map[string]any{"Count": 2}); !strings.Contains(got, "ثانيتين") {
		t.Errorf("Arabic dual not chosen for 2: %q", got)
	}
	// A Count in the data of a message with no plural forms (Welsh asks for
	// "two" for 2) still renders the message, not its id.
	if got := Localize(b, "cy", "ProblemNotFoundTitle", map[string]any{"Count": 2}); got != "Heb ei ganfod" {
		t.Errorf("a Count beside a message without plurals: %q", got)
	}
	if got := Localize(b, "en", "NoSuchMessage", nil); got != "NoSuchMessage" {
		t.Errorf("unknown id rendered %q", got)
	}
}
