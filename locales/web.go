package locales

import (
	"fmt"
	"io/fs"
	"maps"
	"strings"

	"github.com/BurntSushi/toml"
)

// Web is what the web app needs to speak lang: every message of the web
// areas ("web.<lang>.toml", "webreport.<lang>.toml", ...) as id -> text, or
// id -> plural form -> text for messages with plural forms. Ids lang lacks
// are English, as on the server. The app renders the {{.Name}} placeholders
// itself; it picks plural forms with the browser's Intl.PluralRules, whose
// categories (zero, one, two, few, many, other) are CLDR's, as go-i18n's are.
func Web(lang string) (map[string]any, error) {
	out := map[string]any{}
	for _, l := range []string{"en", lang} {
		names, _ := fs.Glob(files, "web*."+l+".toml")
		for _, name := range names {
			var raw map[string]any
			data, _ := fs.ReadFile(files, name)
			if err := toml.Unmarshal(data, &raw); err != nil {
				return nil, fmt.Errorf("locales: %s: %w", name, err)
			}
			for id, v := range raw {
				out[id] = webMessage(v)
			}
		}
		if l == "en" && len(out) == 0 {
			return nil, fmt.Errorf("locales: no web messages")
		}
	}
	return out, nil
}

// webMessage drops a message's description (it is for translators) and
// flattens a message with only the "other" form to its text.
func webMessage(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	forms := maps.Clone(m)
	delete(forms, "description")
	delete(forms, "hash")
	if other, ok := forms["other"].(string); ok && len(forms) == 1 {
		return other
	}
	return forms
}

// IsWebArea says whether a message file area belongs to the web app.
func IsWebArea(area string) bool { return strings.HasPrefix(area, "web") }
