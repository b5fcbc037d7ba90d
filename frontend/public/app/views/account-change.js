// Tell us once: the resident says what changed (address, name or contact),
// the new value and the date, checks their answers and sends it; the change
// page then shows each linked service being told, refreshing itself until
// every one has an answer. Also the list of past changes.

import { formatDate, formatDateTime, t } from '../i18n.js';
import { ApiError, api, newKey } from '../api.js';
import { button, caption, choices, dateInput, h, heading, input, link, list, p, summaryList, tag } from '../ui.js';
import { flash, formView, frame, isDate, notFound, pick } from './account-kit.js';
import { addressLines } from './account-details.js';

const POLL = 2000; // ms between looks at a change still being delivered

// draft is the change being told, kept here (not stored) until it is sent:
// {kind, address, name, contact, date, lookup: {postcode, items}}.
let draft = null;

const FIRST = { address: 'postcode', name: 'name', contact: 'contact' };
const KIND_OF = { postcode: 'address', address: 'address', manual: 'address', name: 'name', contact: 'contact' };
const STATUS = {
  pending: ['WebAccountStatusPending', 'grey'],
  retrying: ['WebAccountStatusRetrying', 'yellow'],
  delivered: ['WebAccountStatusDelivered', 'green'],
  failed: ['WebAccountStatusFailed', 'red'],
};
const cap = (s) => s[0].toUpperCase() + s.slice(1);
const kindLabel = (kind) => t(`WebAccountKind${cap(kind)}`); // "Your address"
const changeTitle = (kind) => t(`WebAccountChange${cap(kind)}`); // "Change of address"
const go = (app, step) => app.navigate(`/account/change/${step}`);

export async function render({ app, params, query }) {
  if (params.section === 'changes') return params.id ? watchChange(app, params.id) : history(app, query);
  const step = params.id || '';
  // A journey may begin at its first step (a "Change" or "Moved" link).
  if (KIND_OF[step] && draft?.kind !== KIND_OF[step]) draft = { kind: KIND_OF[step] };
  const pages = { '': what, postcode, address: pickAddress, manual, name, contact, date, check };
  if (!pages[step]) return notFound();
  if (step === 'address' && !draft.lookup) return { redirect: '/account/change/postcode' };
  if ((step === 'date' && !draft?.[draft.kind]) || (step === 'check' && !draft?.date)) return { redirect: '/account/change' };
  return pages[step](app);
}

function what(app) {
  const title = t('WebAccountWhatTitle');
  return formView({
    title,
    back: '/account',
    before: [caption(t('WebAccountTellChange'))],
    draw: (err, v) => [choices({
      id: 'kind', legend: title, pageHeading: true, hint: t('WebAccountWhatHint'), error: err('kind'), value: v.get('kind', draft?.kind),
      options: Object.keys(FIRST).map((k) => ({ value: k, label: kindLabel(k), hint: t(`WebAccountWhatHint${cap(k)}`) })),
    })],
    submit: (v) => {
      const kind = v.get('kind');
      if (!FIRST[kind]) return [{ id: 'kind', text: t('WebAccountWhatMissing') }];
      if (draft?.kind !== kind) draft = { kind };
      go(app, FIRST[kind]);
      return [];
    },
  });
}

function postcode(app) {
  const title = t('WebAccountPostcodeTitle');
  return formView({
    title,
    back: '/account/change',
    label: t('WebAccountFindAddress'),
    draw: (err, v) => [input({
      id: 'postcode', label: title, pageHeading: true, hint: t('WebAccountPostcodeHint'), error: err('postcode'),
      value: v.get('postcode', draft.lookup?.postcode), width: 10, autocomplete: 'postal-code', spellcheck: 'false',
    })],
    after: [p(link('/account/change/manual', t('WebAccountEnterManually')))],
    submit: async (v) => {
      const pc = v.get('postcode');
      if (!pc) return [{ id: 'postcode', text: t('WebAccountPostcodeMissing') }];
      let found;
      try {
        found = await api(`/api/v1/addresses?postcode=${encodeURIComponent(pc)}`);
      } catch (e) {
        if (e instanceof ApiError && e.status === 400) throw e; // the postcode is wrong: say so
        // No lookup now (offline, none here, or unwell): the resident types the address.
        draft.lookup = { postcode: pc, items: [] };
        app.flash = { title: t('WebAccountLookupDown'), success: false };
        go(app, 'manual');
        return [];
      }
      if (!found.items?.length) return [{ id: 'postcode', text: t('WebAccountPostcodeNone') }];
      draft.lookup = { postcode: found.postcode || pc, items: found.items };
      go(app, 'address');
      return [];
    },
    idOf: pick({ postcode: 'postcode' }),
    fallback: 'postcode',
  });
}

// select is a GOV.UK select whose label is the page heading.
function select({ id, label, hint, error, options, value }) {
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || null;
  return h('div', { class: `govuk-form-group${error ? ' govuk-form-group--error' : ''}` },
    h('h1', { class: 'govuk-label-wrapper' }, h('label', { class: 'govuk-label govuk-label--l', for: id }, label)),
    hint ? h('div', { class: 'govuk-hint', id: `${id}-hint` }, hint) : null,
    error ? h('p', { class: 'govuk-error-message', id: `${id}-error` }, h('span', { class: 'govuk-visually-hidden' }, `${t('WebErrorPrefix')}: `), error) : null,
    h('select', { class: `govuk-select app-select${error ? ' govuk-select--error' : ''}`, id, name: id, 'aria-describedby': described },
      options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label))));
}

const oneLine = (a) => [a.line1, a.line2, a.town].filter(Boolean).join(', ');

function pickAddress(app) {
  const title = t('WebAccountSelectTitle');
  const { postcode: pc, items } = draft.lookup;
  return formView({
    title,
    back: '/account/change/postcode',
    draw: (err, v) => [select({
      id: 'uprn', label: title, hint: t('WebAccountPostcodeShown', { Postcode: pc }), error: err('uprn'), value: v.get('uprn', draft.address?.uprn || ''),
      options: [{ value: '', label: t('WebAccountAddressesFound', { Count: items.length }) },
        ...items.map((a) => ({ value: String(a.uprn), label: oneLine(a) }))],
    })],
    after: [p(link('/account/change/postcode', t('WebAccountOtherPostcode'))), p(link('/account/change/manual', t('WebAccountNotInList')))],
    submit: (v) => {
      const a = items.find((x) => String(x.uprn) === v.get('uprn'));
      if (!a) return [{ id: 'uprn', text: t('WebAccountSelectMissing') }];
      draft.address = { line1: a.line1, line2: a.line2 || undefined, town: a.town, postcode: a.postcode, uprn: String(a.uprn) };
      go(app, 'date');
      return [];
    },
  });
}

// fields is a form of text inputs [id, label key, autocomplete, extra]
// whose values fill draft[kind]; need(values) says what is missing.
function fieldsPage(app, { kind, title, back, fields, need }) {
  const held = draft[kind] || {};
  return formView({
    title,
    back,
    before: [flash(app), caption(changeTitle(kind)), heading(title)],
    draw: (err, v) => fields.map(([id, label, autocomplete, extra = {}]) => input({
      id, label: t(label), error: err(id), value: v.get(id, held[id] ?? (id === 'postcode' ? draft.lookup?.postcode : '')), autocomplete, spellcheck: 'false', ...extra,
    })),
    submit: (v) => {
      const values = Object.fromEntries(fields.map(([id]) => [id, v.get(id) || undefined]));
      const errors = need(values);
      if (errors.length) return errors;
      draft[kind] = values;
      go(app, 'date');
      return [];
    },
  });
}

const required = (values, ids) => ids.filter((id) => !values[id]).map((id) => ({ id, text: t(`WebAccountMissing${cap(id)}`) }));

function manual(app) {
  return fieldsPage(app, {
    kind: 'address', title: t('WebAccountManualTitle'), back: '/account/change/postcode',
    fields: [['line1', 'WebAccountLine1', 'address-line1'], ['line2', 'WebAccountLine2', 'address-line2'],
      ['town', 'WebAccountTown', 'address-level2', { width: 20 }], ['postcode', 'WebAccountPostcode', 'postal-code', { width: 10 }]],
    need: (a) => required(a, ['line1', 'town', 'postcode']),
  });
}

function name(app) {
  return fieldsPage(app, {
    kind: 'name', title: t('WebAccountNewNameTitle'), back: '/account/change',
    fields: [['given', 'WebAccountGiven', 'given-name'], ['family', 'WebAccountFamily', 'family-name']],
    need: (n) => (n.given || n.family ? [] : [{ id: 'given', text: t('WebAccountNameMissing') }]),
  });
}

function contact(app) {
  return fieldsPage(app, {
    kind: 'contact', title: t('WebAccountNewContactTitle'), back: '/account/change',
    fields: [['email', 'WebAccountNewEmail', 'email', { type: 'email' }], ['phone', 'WebAccountNewPhone', 'tel', { type: 'tel', width: 20 }]],
    need: (c) => {
      if (!c.email && !c.phone) return [{ id: 'email', text: t('WebAccountContactMissing') }];
      return c.email && !/^[^@\s]+@[^@\s]+$/.test(c.email) ? [{ id: 'email', text: t('WebAccountEmailInvalid') }] : [];
    },
  });
}

function date(app) {
  const title = t(`WebAccountDate${cap(draft.kind)}`);
  return formView({
    title,
    back: `/account/change/${draft.kind === 'address' ? (draft.address.uprn ? 'address' : 'manual') : draft.kind}`,
    draw: (err, v) => [caption(changeTitle(draft.kind)), dateInput({ id: 'date', legend: title, pageHeading: true, hint: t('WebAccountDateHint'), error: err('date'), value: v.date('date', draft.date) })],
    submit: (v) => {
      if (!isDate(v.date('date'))) return [{ id: 'date', text: t('WebAccountDateInvalid') }];
      draft.date = v.date('date');
      go(app, 'check');
      return [];
    },
  });
}

// valueOf shows a change's new value.
function valueOf(kind, values) {
  const v = values?.[kind];
  if (!v) return '';
  if (kind === 'address') return addressLines(v);
  if (kind === 'name') return [v.given, v.family, v.preferred && `(${v.preferred})`].filter(Boolean).join(' ');
  return list([v.email, v.phone].filter(Boolean));
}

async function check(app) {
  const title = t('WebAccountCheckTitle');
  const { items } = await api('/api/v1/me/links');
  const key = newKey(); // one per drawing of this page: a retried send creates one change
  const valueStep = draft.kind === 'address' ? (draft.address.uprn ? 'postcode' : 'manual') : draft.kind;
  const answers = () => {
    const rows = summaryList([
      { key: t('WebAccountWhatChanged'), value: kindLabel(draft.kind), href: '/account/change' },
      { key: t('WebAccountNewValue'), value: valueOf(draft.kind, draft), href: `/account/change/${valueStep}` },
      { key: t('WebAccountDateLabel'), value: formatDate(draft.date), href: '/account/change/date' },
    ]);
    rows.querySelectorAll('.govuk-summary-list__actions a').forEach((a, i) => { a.id = ['change-kind', 'change-value', 'change-date'][i]; });
    return rows;
  };
  return formView({
    title,
    back: '/account/change/date',
    label: t('WebAccountChangeSubmit'),
    before: [heading(title)],
    draw: () => [answers(),
      h('h2', { class: 'govuk-heading-m' }, t('WebAccountWhoWeTell')),
      items.length ? list(items.map((l) => l.name), 'bullet') : p(t('WebAccountNoOneToTell')),
      p(t('WebAccountDeclaration'))],
    submit: async () => {
      const ch = await api('/api/v1/me/changes', {
        method: 'POST', idempotencyKey: key,
        body: { kind: draft.kind, effective_date: draft.date, values: { [draft.kind]: draft[draft.kind] } },
      });
      draft = null;
      app.flash = t('WebAccountChangeSent');
      await app.navigate(`/account/changes/${encodeURIComponent(ch.id)}`, { replace: true });
      return [];
    },
    idOf: (ptr) => (ptr.startsWith('/effective_date') ? 'change-date' : ptr.startsWith('/kind') ? 'change-kind' : 'change-value'),
    fallback: 'change-value',
  });
}

function serviceList(services) {
  if (!services.length) return p(t('WebAccountNoOneTold'));
  return h('ul', { class: 'govuk-task-list' }, services.map((s) => {
    const [label, colour] = STATUS[s.status] || STATUS.pending;
    return h('li', { class: 'govuk-task-list__item' },
      h('div', { class: 'govuk-task-list__name-and-hint' }, h('span', { class: 'govuk-!-font-weight-bold' }, s.name),
        h('div', { class: 'govuk-task-list__hint' }, s.message)),
      h('div', { class: 'govuk-task-list__status' }, tag(t(label), colour)));
  }));
}

const busy = (ch) => ch.services.some((s) => s.status === 'pending' || s.status === 'retrying');

// watchChange shows one change and, while any service is still being told,
// looks again every POLL ms, saying each new status politely.
async function watchChange(app, id) {
  let ch;
  try {
    ch = await api(`/api/v1/me/changes/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return notFound();
    throw e;
  }
  const title = changeTitle(ch.kind);
  const services = h('div', {}, serviceList(ch.services));
  const live = h('div', { class: 'govuk-visually-hidden', role: 'status', 'aria-live': 'polite' });
  const note = p(t('WebAccountWatching'));
  note.hidden = !busy(ch);
  const node = frame('/account/changes', flash(app), caption(t('WebAccountTellChange')), heading(title),
    summaryList([
      { key: t('WebAccountNewValue'), value: valueOf(ch.kind, ch.values) },
      { key: t('WebAccountDateLabel'), value: formatDate(ch.effective_date) },
      { key: t('WebAccountReported'), value: formatDateTime(ch.created_at) },
    ]),
    h('h2', { class: 'govuk-heading-m' }, t('WebAccountServicesTold')), note, services, live,
    p(link('/account', t('WebAccountBackToAccount'))));
  const look = async () => {
    if (!node.isConnected) return;
    let fresh;
    try {
      fresh = await api(`/api/v1/me/changes/${encodeURIComponent(id)}`);
    } catch { /* offline or the server unwell: look again later */ }
    if (!node.isConnected) return;
    if (fresh) {
      const said = fresh.services.filter((s, i) => s.status !== ch.services[i]?.status)
        .map((s) => `${s.name}: ${t((STATUS[s.status] || STATUS.pending)[0])}`);
      if (said.length) live.textContent = said.join('. ');
      ch = fresh;
      services.replaceChildren(serviceList(ch.services));
      note.hidden = !busy(ch);
    }
    if (!fresh || busy(ch)) setTimeout(look, POLL);
  };
  if (busy(ch)) setTimeout(look, POLL);
  return { title, node };
}

async function history(app, query) {
  const cursor = query.get('cursor');
  const page = await api(`/api/v1/me/changes${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  const title = t('WebAccountPastChanges');
  return {
    title,
    node: frame('/account', flash(app), heading(title),
      page.items.length
        ? summaryList(page.items.map((c) => {
          const [label, colour] = STATUS[c.status] || STATUS.pending;
          return {
            key: changeTitle(c.kind),
            value: [t('WebAccountChangeFrom', { Date: formatDate(c.effective_date) }), ' ', tag(t(label), colour)],
            href: `/account/changes/${encodeURIComponent(c.id)}`,
            action: t('WebAccountView'),
            hidden: `${changeTitle(c.kind)} ${formatDate(c.effective_date)}`,
          };
        }))
        : p(t('WebAccountNoChanges')),
      page.next ? p(link(`/account/changes?cursor=${encodeURIComponent(page.next)}`, t('WebAccountOlderChanges'))) : null,
      button(t('WebAccountTellChange'), { href: '/account/change' })),
  };
}
