package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// LocalsLanguage is where a later auth layer puts the account's language
// (a BCP 47 string such as "cy"); it beats ?lang= and Accept-Language.
const LocalsLanguage = "lang"

// maxLanguageHeader bounds the Accept-Language value we parse; real ones are short.
const maxLanguageHeader = 256

// languages negotiates the response language among those of the bundle.
type languages struct {
	tags       []language.Tag
	names      []string // tags as Content-Language values
	matcher    language.Matcher
	localizers []*i18n.Localizer
}

func newLanguages(b *i18n.Bundle) (*languages, error) {
	tags := b.LanguageTags() // the bundle's default language comes first
	if len(tags) == 0 {
		return nil, errors.New("api: the message bundle has no languages")
	}
	l := &languages{tags: tags, matcher: language.NewMatcher(tags)}
	for _, t := range tags {
		l.names = append(l.names, t.String())
		l.localizers = append(l.localizers, i18n.NewLocalizer(b, t.String()))
	}
	return l, nil
}

// pick returns the index of the request's language: the account's choice,
// then ?lang=, then Accept-Language, then the default (English).
func (l *languages) pick(c *fiber.Ctx) int {
	if s, ok := c.Locals(LocalsLanguage).(string); ok {
		if i, ok := l.match(s); ok {
			return i
		}
	}
	if q := c.Query("lang"); q != "" {
		if i, ok := l.match(q); ok {
			return i
		}
	}
	if h := c.Get(fiber.HeaderAcceptLanguage); h != "" && len(h) <= maxLanguageHeader {
		if prefs, _, err := language.ParseAcceptLanguage(h); err == nil && len(prefs) > 0 {
			if _, i, conf := l.matcher.Match(prefs...); conf != language.No {
				return i
			}
		}
	}
	return 0
}

func (l *languages) match(s string) (int, bool) {
	if s == "" || len(s) > 35 {
		return 0, false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return 0, false
	}
	_, i, conf := l.matcher.Match(tag)
	return i, conf != language.No
}

func (l *languages) name(i int) string { return l.names[i] }

// localize renders message id in language i. A message missing from the
// catalog shows its id rather than failing the response (tests keep the
// catalog complete).
func (l *languages) localize(i int, id string, data map[string]any, count any) string {
	s, err := l.localizers[i].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if s == "" && err != nil {
		return id
	}
	return s
}

// localizer is the request's localizer, for handlers that render messages.
func (s *Server) localizer(c *fiber.Ctx) *i18n.Localizer {
	return s.langs.localizers[s.langs.pick(c)]
}

// contentLanguage says which language the response speaks, unless the
// handler knows better (a replayed response speaks its first language).
func (s *Server) contentLanguage(c *fiber.Ctx) error {
	err := c.Next()
	h := &c.Response().Header
	if len(h.PeekBytes(headerContentLanguage)) == 0 {
		setHeader(c, headerContentLanguage, s.langs.name(s.langs.pick(c)))
	}
	if len(h.PeekBytes(headerVary)) == 0 {
		setHeader(c, headerVary, fiber.HeaderAcceptLanguage)
	} else {
		c.Vary(fiber.HeaderAcceptLanguage)
	}
	return err
}
