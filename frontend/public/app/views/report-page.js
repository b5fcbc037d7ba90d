// Building blocks of the report pages: a one-thing page with its form and
// errors, a select, a character count, and checks the server makes too.

import { t } from '../i18n.js';
import { backLink, errorSummary, focusSummary, h } from '../ui.js';

// formPage is a page with one form. build(errs, raw) draws the form's
// content, with errs a Map of field id -> message and raw what was typed;
// submit(form, raw) saves and moves on, or returns errors [{id, text}] and
// the page redraws itself with them, keeping what was typed.
export function formPage({ title, back, errors = [], raw = {}, before = null, build, submit }) {
  const column = h('div', { class: 'govuk-grid-column-two-thirds' });
  let busy = false;
  const draw = (errs, typed) => {
    const byId = new Map();
    for (const e of errs) if (!byId.has(e.id)) byId.set(e.id, e.text);
    const form = h('form', { novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      if (busy) return;
      busy = true;
      const values = readForm(form);
      try {
        const found = await submit(form, values, ev.submitter);
        if (found?.length) {
          draw(found, values);
          document.title = `${t('WebErrorPrefix')}: ${title} – ${t('WebAppName')}`;
          focusSummary(column);
        }
      } finally {
        busy = false;
      }
    } }, build(byId, typed));
    column.replaceChildren(...[errs.length ? errorSummary(errs) : null, before, form].filter(Boolean));
  };
  const fail = (errs) => {
    draw(errs, {});
    document.title = `${t('WebErrorPrefix')}: ${title} – ${t('WebAppName')}`;
    focusSummary(column);
  };
  draw(errors, raw);
  return {
    title,
    error: errors.length > 0,
    node: h('div', {}, back ? backLink(back) : null, h('div', { class: 'govuk-grid-row' }, column)),
    after: (main) => focusSummary(main),
    fail, // redraws the page with errors found outside its form (a failed location)
  };
}

// readForm is the form's named values (the checked radio, the typed text).
function readForm(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.type === 'file' || ((el.type === 'radio' || el.type === 'checkbox') && !el.checked)) continue;
    out[el.name] = el.value;
  }
  return out;
}

// select is a GOV.UK select: options [{value, label}].
export function select({ id, label, hint, error, options, value = '' }) {
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || null;
  return h('div', { class: `govuk-form-group${error ? ' govuk-form-group--error' : ''}` },
    h('label', { class: 'govuk-label', for: id }, label),
    hint ? h('div', { class: 'govuk-hint', id: `${id}-hint` }, hint) : null,
    error ? errorMessage(id, error) : null,
    h('select', { class: `govuk-select${error ? ' govuk-select--error' : ''}`, id, name: id, 'aria-describedby': described },
      options.map((o) => h('option', { value: o.value, selected: String(o.value) === String(value) }, o.label))));
}

export function errorMessage(id, text) {
  return h('p', { class: 'govuk-error-message', id: `${id}-error` },
    h('span', { class: 'govuk-visually-hidden' }, `${t('WebErrorPrefix')}: `), text);
}

// characterCount wraps a GOV.UK textarea group with a live count of the
// characters left; screen readers hear it when typing pauses.
export function characterCount(group, max) {
  const area = group.querySelector('textarea');
  const shown = h('div', { class: 'govuk-hint govuk-character-count__message', 'aria-hidden': 'true' });
  const spoken = h('div', { class: 'govuk-character-count__sr-status govuk-visually-hidden', 'aria-live': 'polite' });
  const limit = h('div', { class: 'govuk-hint govuk-visually-hidden', id: `${area.id}-info` }, t('WebReportCharsLimit', { Count: max }));
  let timer = 0;
  const update = (speak) => {
    const left = max - length(area.value);
    const text = left >= 0 ? t('WebReportCharsLeft', { Count: left }) : t('WebReportCharsOver', { Count: -left });
    shown.textContent = text;
    shown.classList.toggle('govuk-error-message', left < 0);
    shown.classList.toggle('govuk-hint', left >= 0);
    area.classList.toggle('govuk-textarea--error', left < 0 || group.classList.contains('govuk-form-group--error'));
    clearTimeout(timer);
    if (speak) timer = setTimeout(() => { spoken.textContent = text; }, 800);
  };
  area.addEventListener('input', () => update(true));
  area.setAttribute('aria-describedby', [area.getAttribute('aria-describedby'), limit.id].filter(Boolean).join(' '));
  group.append(limit, shown, spoken);
  update(false);
  return h('div', { class: 'govuk-character-count' }, group);
}

// digits turns Arabic-Indic and Persian digits into ASCII ones.
export function digits(s) {
  return String(s ?? '').replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) & 0xf));
}

// length counts characters as the server does: trimmed, in NFC, by code point.
export function length(s) { return [...clean(s)].length; }
export function clean(s) { return String(s ?? '').replace(/\r\n/g, '\n').trim().normalize('NFC'); }

// printable refuses what the server refuses: control and invisible format
// characters (line breaks and tabs only where several lines are allowed).
export function printable(s, multiline) {
  for (const ch of s) {
    if (multiline && (ch === '\n' || ch === '\t')) continue;
    if (/[\p{Cc}\p{Co}\uFFFD]/u.test(ch)) return false;
    if (/\p{Cf}/u.test(ch) && ch !== '\u200c' && ch !== '\u200d') return false;
  }
  return true;
}

// textError is the message for a text answer that the server would refuse.
export function textError(s, max, multiline) {
  if (!printable(s, multiline)) return t('WebReportErrorTextInvalid');
  if ([...s].length > max) return t('WebReportErrorTooLong', { Count: max });
  return null;
}

const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$/;

// postcode puts a UK postcode in its standard form ("PL1 2AA"), or "".
export function postcode(s) {
  const m = String(s ?? '').toUpperCase().replace(/\s+/g, ' ').trim().match(POSTCODE);
  return m ? `${m[1]} ${m[2]}` : '';
}

// iso keeps left-to-right text (an address, a reference, a negative
// number) in one piece inside a right-to-left sentence.
export function iso(s) {
  return document.documentElement.dir === 'rtl' ? `\u2068${s}\u2069` : String(s);
}

// pageCaption is the service's name above a page's heading.
export function pageCaption(text) {
  return h('span', { class: 'govuk-caption-l' }, text);
}
