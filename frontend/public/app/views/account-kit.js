// What the sign-in, account and settings pages share: the page layout, the
// one-off message a page leaves for the next, a form that shows its errors
// the GOV.UK way, and where a resident may be sent after signing in.

import { t } from '../i18n.js';
import { ApiError, OfflineError } from '../api.js';
import { backLink, banner, button, buttonGroup, errorSummary, fieldErrors, focusSummary, h, heading, link, p, readDate } from '../ui.js';

// frame lays a page out: a back link, then one column of two thirds.
export function frame(back, ...children) {
  return h('div', {}, back ? backLink(back) : null,
    h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' }, ...children)));
}

// flash is the message the previous page left in app.flash (a string, or
// {title, body}), shown once as a success banner.
export function flash(app) {
  const f = app.flash;
  app.flash = null;
  if (!f) return null;
  return typeof f === 'string' ? banner(f, null, { success: true }) : banner(f.title, f.body, { success: f.success !== false });
}

// safeNext is ?next= when it is a path of this site ("/..." but not "//"
// or "/\", which browsers read as another host), else null.
export function safeNext(raw) {
  if (!raw || !/^\/(?![/\\])/.test(raw)) return null;
  const u = new URL(raw, location.origin);
  return u.origin === location.origin ? u.pathname + u.search + u.hash : null;
}

// signInFirst sends someone who is not signed in to sign in, and back here after.
export function signInFirst(ctx) {
  return { redirect: `/sign-in?next=${encodeURIComponent(ctx.path + (ctx.query.size ? `?${ctx.query}` : ''))}` };
}

export function notFound() {
  return { title: t('WebNotFoundTitle'), node: h('div', {}, heading(t('WebNotFoundTitle')), p(t('WebNotFoundBody')), p(link('/', t('WebGoHome')))) };
}

// problems turns a refused request into [{id, text}] for the error summary:
// the server's own words, already in the resident's language.
export function problems(e, idOf, fallback) {
  if (e instanceof ApiError) return fieldErrors(e, (ptr) => idOf?.(ptr), fallback);
  if (e instanceof OfflineError) return [{ id: fallback, text: t('WebAccountOffline') }];
  console.error(e);
  return [{ id: fallback, text: t('WebErrorBody') }];
}

// typed reads what is in a form, or gives each field's starting value when
// there is no form yet (the first drawing).
function typed(form) {
  const data = form && new FormData(form);
  return {
    get: (name, first = '') => (data ? String(data.get(name) ?? '').trim() : first),
    raw: (name) => (data ? String(data.get(name) ?? '') : ''), // passwords keep their spaces
    all: (name, first = []) => (data ? data.getAll(name).map(String) : first),
    date: (id, first = '') => (form ? readDate(form, id) : first),
  };
}

// formView is a page holding one form. draw(err, v) builds its fields, with
// err(id) a field's error and v the values to show (see typed). submit(v,
// action) sends it: it returns errors [{id, text}] found before sending, or
// throws what the API refused (idOf maps a JSON Pointer to a field id,
// else fallback). A refused form is drawn again as it was typed, under an
// error summary that takes focus. actions are extra buttons or links
// beside the submit button (buttonId, when an error is about it); a submit
// button's value is passed as action.
export function formView({ title, back, before = [], draw, submit, idOf, fallback, label = t('WebContinue'), warning = false, buttonId, actions = [], after = [] }) {
  const holder = h('div');
  let busy = false;
  const show = (errors, v) => {
    const byId = Object.fromEntries(errors.map((e) => [e.id, e.text]));
    const form = h('form', { novalidate: true, onsubmit: (ev) => send(ev, form) },
      draw((id) => byId[id], v),
      buttonGroup(Object.assign(button(label, { warning }), buttonId ? { id: buttonId } : {}), ...actions));
    holder.replaceChildren(frame(back, errors.length ? errorSummary(errors) : null, ...before, form, ...after));
  };
  const send = async (ev, form) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    let errors;
    try {
      errors = await submit(typed(form), ev.submitter?.value || '');
    } catch (e) {
      errors = problems(e, idOf, fallback);
    } finally {
      busy = false;
    }
    if (!errors?.length || !holder.isConnected) return;
    show(errors, typed(form));
    document.title = `${t('WebErrorPrefix')}: ${title} – ${t('WebAppName')}`;
    focusSummary(holder);
  };
  show([], typed(null));
  return { title, node: holder };
}

// pick makes an idOf from {pointer's last part: field id}.
export const pick = (ids) => (ptr) => ids[ptr.split('/').pop()];

// isDate says whether "YYYY-MM-DD" is a real calendar date.
export function isDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] && +m[1] >= 1900;
}

// today is the date in the UK, "YYYY-MM-DD".
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
}

// submitAs is a secondary button that submits its form as action (formView
// passes it to submit); Enter in a field still presses the main button.
export function submitAs(text, action) {
  const b = button(text, { secondary: true });
  b.name = 'action';
  b.value = action;
  return b;
}
