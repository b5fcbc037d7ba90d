// The app's words, from the server's locales (GET /api/v1/locales/{lang}).
// Messages are go-i18n's: {{.Name}} placeholders, and plural forms chosen by
// CLDR category, which the browser's Intl.PluralRules names the same way.

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'cy', name: 'Cymraeg' },
  { code: 'pl', name: 'Polski' },
  { code: 'ar', name: 'العربية' },
];

const STORED = 'fd.lang';
let messages = {};
let current = 'en';
let plural = new Intl.PluralRules('en');

export function lang() { return current; }

// chosen is the language to start in: the one chosen on this device, else the
// browser's first that we speak, else English.
export function chosen() {
  const codes = LANGUAGES.map((l) => l.code);
  const stored = localStorage.getItem(STORED);
  if (codes.includes(stored)) return stored;
  for (const l of navigator.languages || []) {
    const base = l.toLowerCase().split('-')[0];
    if (codes.includes(base)) return base;
  }
  return 'en';
}

// use loads a language's words and turns the page to it (lang, dir).
export async function use(code) {
  const res = await fetch(`/api/v1/locales/${code}`);
  if (!res.ok) throw new Error(`locales ${code}: ${res.status}`);
  const body = await res.json();
  messages = body.messages;
  current = body.lang;
  plural = new Intl.PluralRules(current);
  document.documentElement.lang = current;
  document.documentElement.dir = body.dir;
  localStorage.setItem(STORED, current);
}

// t renders message id with data; an unknown id shows as itself, so a
// missing message is seen in review rather than hidden.
export function t(id, data = {}) {
  let m = messages[id];
  if (m == null) return id;
  if (typeof m === 'object') m = m[plural.select(Number(data.Count ?? 0))] ?? m.other ?? id;
  return m.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => String(data[k] ?? ''));
}

// dateLocale is the locale dates are written in: British English, not the
// browser's default American, for English.
const dateLocale = () => (current === 'en' ? 'en-GB' : current);

// formatDate and formatDateTime write dates the way the language does.
export function formatDate(iso) {
  return new Intl.DateTimeFormat(dateLocale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(new Date(iso));
}

export function formatDateTime(iso) {
  return new Intl.DateTimeFormat(dateLocale(), {
    day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'Europe/London',
  }).format(new Date(iso));
}
