// One question per page, from the catalogue's form: its label is the
// page's heading. Answers are checked here as the server will check them.

import { t } from '../i18n.js';
import { button, choices, dateInput, input, readDate, textarea } from '../ui.js';
import { blank } from './report-state.js';
import { characterCount, clean, digits, formPage, pageCaption, textError } from './report-page.js';
import { addressPage, pointPage } from './report-place.js';
import { photoPage } from './report-photos.js';

const DEFAULT_MAX = { text: 200, textarea: 4000 };

// questionPage draws question q of item i; serverErrors are the server's
// words about this answer when it refused the report.
export function questionPage(rc, i, q, serverErrors = []) {
  const fid = `q-${q.id}`;
  const label = q.required || q.type === 'photo' ? q.label : `${q.label} ${t('WebReportOptional')}`;
  const page = { rc, i, q, fid, label, item: rc.draft.items[i], caption: pageCaption(rc.services[i].name), serverErrors };
  if (q.type === 'address') return addressPage(page);
  if (q.type === 'point') return pointPage(page);
  if (q.type === 'photo') return photoPage(page);
  const { item } = page;
  return formPage({
    title: q.label,
    back: rc.backHref(i, q.id),
    errors: serverErrors.map((text) => ({ id: fid, text })),
    build: (errs, raw) => [page.caption, field(page, errs.get(fid), raw), button(t('WebContinue'))],
    submit: async (form, raw) => {
      const { value, error } = read(q, fid, form, raw);
      if (error) return [{ id: fid, text: error }];
      if (blank(value)) delete item.answers[q.id];
      else item.answers[q.id] = value;
      rc.save();
      await rc.next(i, q.id);
      return null;
    },
  });
}

function field({ q, fid, label, item }, error, raw) {
  const answer = item.answers[q.id];
  const common = { id: fid, hint: q.hint, error, pageHeading: true };
  switch (q.type) {
    case 'text': {
      const max = q.max_length ?? DEFAULT_MAX.text;
      return input({ ...common, label, value: raw[fid] ?? answer ?? '', width: max <= 10 ? 10 : max <= 20 ? 20 : null });
    }
    case 'textarea': {
      const max = q.max_length ?? DEFAULT_MAX.textarea;
      return characterCount(textarea({ ...common, label, value: raw[fid] ?? answer ?? '', rows: max > 500 ? 6 : 4 }), max);
    }
    case 'number':
      return input({ ...common, label, value: raw[fid] ?? (answer ?? ''), inputmode: 'decimal', width: 10, spellcheck: 'false',
        hint: [q.hint, rangeHint(q)].filter(Boolean).join(' ') || null });
    case 'date': {
      const typed = raw[`${fid}-day`] !== undefined ? `${raw[`${fid}-year`]}-${raw[`${fid}-month`]}-${raw[`${fid}-day`]}` : null;
      return dateInput({ ...common, legend: label, hint: q.hint || t('WebReportDateHint'), value: typed ?? answer ?? '' });
    }
    case 'choice':
      return choices({ ...common, legend: label, options: q.options, value: raw[fid] ?? answer });
    case 'yesno': {
      const group = choices({
        ...common, legend: label, value: raw[fid] ?? (typeof answer === 'boolean' ? String(answer) : null),
        options: [{ value: 'true', label: t('WebReportYes') }, { value: 'false', label: t('WebReportNo') }],
      });
      group.querySelector('.govuk-radios').classList.add('govuk-radios--inline');
      return group;
    }
    default:
      return input({ ...common, label, value: raw[fid] ?? '' });
  }
}

function rangeHint(q) {
  if (q.min != null && q.max != null) return t('WebReportNumberRange', { Min: num(q.min), Max: num(q.max) });
  return null;
}

const num = (n) => new Intl.NumberFormat(document.documentElement.lang).format(n);

// read checks the answer typed into the page: {value} or {error}.
function read(q, fid, form, raw) {
  const need = (msg) => (q.required ? { error: t(msg) } : { value: undefined });
  switch (q.type) {
    case 'text':
    case 'textarea': {
      const s = clean(raw[fid]);
      if (!s) return need('WebReportErrorEnterText');
      const error = textError(s, q.max_length ?? DEFAULT_MAX[q.type], q.type === 'textarea');
      return error ? { error } : { value: s };
    }
    case 'number': {
      let s = digits(raw[fid]).trim().replace(/\s/g, '');
      if (!s) return need('WebReportErrorNumberRequired');
      if (/^-?\d+,\d+$/.test(s)) s = s.replace(',', '.');
      if (!/^-?\d+(\.\d+)?$/.test(s)) return { error: t('WebReportErrorNumber') };
      const n = Number(s);
      if (q.min != null && q.max != null && (n < q.min || n > q.max)) return { error: t('WebReportErrorNumberRange', { Min: num(q.min), Max: num(q.max) }) };
      if (q.min != null && n < q.min) return { error: t('WebReportErrorNumberMin', { Min: num(q.min) }) };
      if (q.max != null && n > q.max) return { error: t('WebReportErrorNumberMax', { Max: num(q.max) }) };
      return { value: n };
    }
    case 'date': {
      for (const part of ['day', 'month', 'year']) {
        const el = form.elements[`${fid}-${part}`];
        if (el) el.value = digits(el.value);
      }
      const s = readDate(form, fid);
      if (!s) return need('WebReportErrorDateRequired');
      return checkDate(s);
    }
    case 'choice':
      if (!raw[fid]) return need('WebReportErrorChoose');
      return q.options.some((o) => o.value === raw[fid]) ? { value: raw[fid] } : { error: t('WebReportErrorChoose') };
    case 'yesno':
      if (!raw[fid]) return need('WebReportErrorYesNo');
      return { value: raw[fid] === 'true' };
    default:
      return { value: undefined };
  }
}

// checkDate takes a real date from 1900 to two years ahead, as the server does.
function checkDate(s) {
  const m = s.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (!d || d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) {
    return { error: t('WebReportErrorDateInvalid') };
  }
  const latest = new Date();
  latest.setFullYear(latest.getFullYear() + 2);
  if (+m[1] < 1900 || d > latest) {
    const fmt = new Intl.DateTimeFormat(document.documentElement.lang, { day: 'numeric', month: 'long', year: 'numeric' });
    return { error: t('WebReportErrorDateRange', { Earliest: fmt.format(new Date(1900, 0, 1)), Latest: fmt.format(latest) }) };
  }
  return { value: s };
}
