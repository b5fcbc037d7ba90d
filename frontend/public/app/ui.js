// GOV.UK Frontend components as DOM builders. Everything is built with
// elements and text nodes, never HTML strings, so nothing a resident or the
// API wrote can become markup.

import { t } from './i18n.js';

// h builds an element: attrs may hold class, text, dataset-free attributes,
// booleans (present when true) and on<event> handlers; children may be
// strings, nodes, arrays or null.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let ids = 0;
export function uid(prefix = 'fd') { ids += 1; return `${prefix}-${ids}`; }

export const heading = (text, size = 'l', tag = 'h1') => h(tag, { class: `govuk-heading-${size}` }, text);
export const caption = (text, size = 'l') => h('span', { class: `govuk-caption-${size}` }, text);
export const p = (...children) => h('p', { class: 'govuk-body' }, ...children);
export const lead = (text) => h('p', { class: 'govuk-body-l' }, text);
export const link = (href, text, attrs = {}) => h('a', { class: 'govuk-link', href, ...attrs }, text);
export const list = (items, kind = '') => h('ul', { class: `govuk-list ${kind ? `govuk-list--${kind}` : ''}`.trim() }, items.map((i) => h('li', {}, i)));
export const inset = (...children) => h('div', { class: 'govuk-inset-text' }, ...children);

export function button(text, { secondary = false, warning = false, type = 'submit', onclick, start = false, href } = {}) {
  const cls = ['govuk-button', secondary && 'govuk-button--secondary', warning && 'govuk-button--warning', start && 'govuk-button--start']
    .filter(Boolean).join(' ');
  if (href) return h('a', { class: cls, href, role: 'button', draggable: 'false' }, text);
  return h('button', { class: cls, type, onclick }, text);
}

export const buttonGroup = (...buttons) => h('div', { class: 'govuk-button-group' }, ...buttons);

export function backLink(href) {
  return h('a', { class: 'govuk-back-link', href }, t('WebBack'));
}

// errorSummary lists errors [{id, text}] linking to their fields; call
// focusSummary after it is on the page.
export function errorSummary(errors) {
  return h('div', { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary', tabindex: '-1' },
    h('div', { role: 'alert' },
      h('h2', { class: 'govuk-error-summary__title' }, t('WebErrorSummaryTitle')),
      h('div', { class: 'govuk-error-summary__body' },
        h('ul', { class: 'govuk-list govuk-error-summary__list' },
          errors.map((e) => h('li', {}, h('a', { href: `#${e.id}`, onclick: (ev) => focusField(ev, e.id) }, e.text)))))));
}

function focusField(ev, id) {
  const el = document.getElementById(id);
  if (!el) return;
  ev.preventDefault();
  el.scrollIntoView({ block: 'center' });
  el.focus();
}

export function focusSummary(root) {
  const s = root.querySelector('.govuk-error-summary');
  if (s) s.focus();
  return !!s;
}

function formGroup(error, ...children) {
  return h('div', { class: `govuk-form-group${error ? ' govuk-form-group--error' : ''}` }, ...children);
}

function hintAndError(id, hint, error) {
  const described = [];
  const nodes = [];
  if (hint) { described.push(`${id}-hint`); nodes.push(h('div', { class: 'govuk-hint', id: `${id}-hint` }, hint)); }
  if (error) {
    described.push(`${id}-error`);
    nodes.push(h('p', { class: 'govuk-error-message', id: `${id}-error` },
      h('span', { class: 'govuk-visually-hidden' }, `${t('WebErrorPrefix')}: `), error));
  }
  return { nodes, describedby: described.join(' ') || null };
}

// labelFor is a field's label; as the page heading when pageHeading is set
// (one question per page).
function labelFor(id, label, pageHeading) {
  const l = h('label', { class: `govuk-label${pageHeading ? ' govuk-label--l' : ''}`, for: id }, label);
  return pageHeading ? h('h1', { class: 'govuk-label-wrapper' }, l) : l;
}

export function input({ id, name = id, label, hint, error, value = '', type = 'text', autocomplete, inputmode, width, spellcheck, pageHeading = false, attrs = {} }) {
  const { nodes, describedby } = hintAndError(id, hint, error);
  return formGroup(error, labelFor(id, label, pageHeading), nodes,
    h('input', {
      class: `govuk-input${width ? ` govuk-input--width-${width}` : ''}${error ? ' govuk-input--error' : ''}`,
      id, name, type, value, autocomplete, inputmode, spellcheck, 'aria-describedby': describedby, ...attrs,
    }));
}

export function textarea({ id, name = id, label, hint, error, value = '', rows = 5, maxlength, pageHeading = false }) {
  const { nodes, describedby } = hintAndError(id, hint, error);
  const el = h('textarea', { class: `govuk-textarea${error ? ' govuk-textarea--error' : ''}`, id, name, rows, maxlength, 'aria-describedby': describedby });
  el.value = value;
  return formGroup(error, labelFor(id, label, pageHeading), nodes, el);
}

function fieldset(legend, pageHeading, describedby, ...children) {
  const lg = pageHeading
    ? h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--l' }, h('h1', { class: 'govuk-fieldset__heading' }, legend))
    : h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--m' }, legend);
  return h('fieldset', { class: 'govuk-fieldset', 'aria-describedby': describedby }, lg, ...children);
}

// choices are radios or checkboxes: options [{value, label, hint}]; the first
// option's input has the id, so an error summary can link to it.
export function choices({ kind = 'radios', id, name = id, legend, hint, error, options, value, pageHeading = false, small = false }) {
  const { nodes, describedby } = hintAndError(id, hint, error);
  const selected = new Set([].concat(value ?? []).map(String));
  const items = options.map((o, i) => {
    const inputId = i === 0 ? id : `${id}-${i + 1}`;
    const hintId = o.hint ? `${inputId}-item-hint` : null;
    return h('div', { class: `govuk-${kind}__item` },
      h('input', {
        class: `govuk-${kind}__input`, id: inputId, name, type: kind === 'radios' ? 'radio' : 'checkbox',
        value: o.value, checked: selected.has(String(o.value)), 'aria-describedby': hintId,
      }),
      h('label', { class: `govuk-label govuk-${kind}__label`, for: inputId }, o.label),
      o.hint ? h('div', { class: `govuk-hint govuk-${kind}__hint`, id: hintId }, o.hint) : null);
  });
  return formGroup(error, fieldset(legend, pageHeading, describedby, nodes,
    h('div', { class: `govuk-${kind}${small ? ` govuk-${kind}--small` : ''}` }, items)));
}

// dateInput is day, month and year boxes; value is "YYYY-MM-DD".
export function dateInput({ id, legend, hint, error, value = '', pageHeading = false }) {
  const { nodes, describedby } = hintAndError(id, hint, error);
  const [y = '', m = '', d = ''] = value ? value.split('-') : [];
  const part = (suffix, label, v, width) => h('div', { class: 'govuk-date-input__item' },
    h('div', { class: 'govuk-form-group' },
      h('label', { class: 'govuk-label govuk-date-input__label', for: suffix === 'day' ? id : `${id}-${suffix}` }, label),
      h('input', {
        class: `govuk-input govuk-date-input__input govuk-input--width-${width}${error ? ' govuk-input--error' : ''}`,
        id: suffix === 'day' ? id : `${id}-${suffix}`, name: `${id}-${suffix}`, type: 'text', inputmode: 'numeric', value: v,
      })));
  return formGroup(error, fieldset(legend, pageHeading, describedby, nodes,
    h('div', { class: 'govuk-date-input' },
      part('day', t('WebDateDay'), d, 2), part('month', t('WebDateMonth'), m, 2), part('year', t('WebDateYear'), y, 4))));
}

// readDate reads a dateInput back as "YYYY-MM-DD" ("" when empty).
export function readDate(form, id) {
  const v = (s) => (form.elements[`${id}-${s}`]?.value || '').trim();
  const [d, m, y] = [v('day'), v('month'), v('year')];
  if (!d && !m && !y) return '';
  return `${y.padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

// summaryList rows: [{key, value (string or node), href, hidden}] where href
// is a "Change" link and hidden says, for screen readers, what it changes.
export function summaryList(rows) {
  return h('dl', { class: 'govuk-summary-list' }, rows.map((r) => h('div', { class: 'govuk-summary-list__row' },
    h('dt', { class: 'govuk-summary-list__key' }, r.key),
    h('dd', { class: 'govuk-summary-list__value' }, r.value),
    r.href ? h('dd', { class: 'govuk-summary-list__actions' },
      h('a', { class: 'govuk-link', href: r.href }, r.action || t('WebChange'), h('span', { class: 'govuk-visually-hidden' }, ` ${r.hidden || r.key}`))) : null)));
}

export function panel(title, ...body) {
  return h('div', { class: 'govuk-panel govuk-panel--confirmation' },
    h('h1', { class: 'govuk-panel__title' }, title),
    h('div', { class: 'govuk-panel__body' }, ...body));
}

export function tag(text, colour) {
  return h('strong', { class: `govuk-tag${colour ? ` govuk-tag--${colour}` : ''}` }, text);
}

export function banner(title, body, { success = false } = {}) {
  return h('div', {
    class: `govuk-notification-banner${success ? ' govuk-notification-banner--success' : ''}`,
    role: success ? 'alert' : 'region', 'aria-labelledby': 'banner-title',
  },
  h('div', { class: 'govuk-notification-banner__header' },
    h('h2', { class: 'govuk-notification-banner__title', id: 'banner-title' }, success ? t('WebBannerSuccess') : t('WebBannerImportant'))),
  h('div', { class: 'govuk-notification-banner__content' },
    h('p', { class: 'govuk-notification-banner__heading' }, title), body ? p(body) : null));
}

// taskList items: [{title, href, hint, status (text), done}].
export function taskList(items) {
  return h('ul', { class: 'govuk-task-list' }, items.map((it) => {
    const id = uid('task');
    return h('li', { class: 'govuk-task-list__item govuk-task-list__item--with-link' },
      h('div', { class: 'govuk-task-list__name-and-hint' },
        h('a', { class: 'govuk-link govuk-task-list__link', href: it.href, 'aria-describedby': `${id}-status` }, it.title),
        it.hint ? h('div', { class: 'govuk-task-list__hint' }, it.hint) : null),
      h('div', { class: 'govuk-task-list__status', id: `${id}-status` },
        it.done ? it.status : tag(it.status, 'blue')));
  }));
}

export function details(summary, ...body) {
  return h('details', { class: 'govuk-details' },
    h('summary', { class: 'govuk-details__summary' }, h('span', { class: 'govuk-details__summary-text' }, summary)),
    h('div', { class: 'govuk-details__text' }, ...body));
}

export function warning(text) {
  return h('div', { class: 'govuk-warning-text' },
    h('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
    h('strong', { class: 'govuk-warning-text__text' }, h('span', { class: 'govuk-visually-hidden' }, `${t('WebWarning')} `), text));
}

// fieldErrors turns an API problem's field errors into [{id, text}] for the
// error summary, with pointers ("/answers/size") mapped to field ids by
// idOf (default: the pointer's last part). Errors the page has no field for
// go on the page's own first field, or stand alone.
export function fieldErrors(err, idOf = (ptr) => ptr.split('/').pop(), fallbackId = 'main') {
  if (!err.fields?.length) return [{ id: fallbackId, text: err.message }];
  return err.fields.map((f) => ({ id: idOf(f.pointer) || fallbackId, text: f.detail }));
}
