// Package locales holds Frontdoor's user-facing strings, one go-i18n TOML file
// per language, embedded from this folder (go:embed cannot reach "..").
//
// English is the source: every message id lives in en.toml with a
// description for translators; cy, pl and ar must carry the same ids, the
// same template placeholders and every plural form their language uses
// (locales_test.go checks all three).
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Languages are the languages Frontdoor speaks, English (the fallback) first.
var Languages = []language.Tag{
	language.English,
	language.MustParse("cy"), // Welsh
	language.Polish,
	language.Arabic, // right to left
}

// Bundle loads every embedded message file into a go-i18n bundle whose
// default language is English. Each area of the product may keep its messages
// in files of its own, "<area>.<lang>.toml" beside the foundation's "<lang>.toml".
func Bundle() (*i18n.Bundle, error) {
	b := i18n.NewBundle(Languages[0])
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, area := range Areas() {
		for _, tag := range Languages {
			name := area + tag.String() + ".toml"
			data, err := fs.ReadFile(files, name)
			if err != nil {
				return nil, fmt.Errorf("locales: %w", err)
			}
			if _, err := b.ParseMessageFileBytes(data, name); err != nil {
				return nil, fmt.Errorf("locales: %s: %w", name, err)
			}
		}
	}
	return b, nil
}

// Areas lists the file-name prefixes of the message files: "" for the
// foundation's en.toml, "auth." for auth.en.toml, and so on.
func Areas() []string {
	var areas []string
	names, _ := fs.Glob(files, "*en.toml")
	for _, n := range names {
		areas = append(areas, strings.TrimSuffix(n, "en.toml"))
	}
	return areas
}

// Localize renders message id in lang (English when lang lacks it), letting
// data["Count"] choose the plural form. An unknown id renders as itself, so a
// missing message shows up in review instead of as an empty string.
func Localize(b *i18n.Bundle, lang, id string, data map[string]any) string {
	l := i18n.NewLocalizer(b, lang)
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: data["Count"]})
	if err != nil && data["Count"] != nil {
		// A message without plural forms ("other" only) beside a Count it
		// does not print: Welsh or Arabic would ask for a form it lacks.
		s, err = l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	}
	if err != nil {
		return id
	}
	return s
}
