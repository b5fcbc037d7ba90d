// The steps around the questions: open reports nearby, another service
// for the same report, the resident's contact details, check your answers.

import { OfflineError, api, signedIn } from '../api.js';
import { formatDate, lang, t } from '../i18n.js';
import { backLink, banner, button, choices, errorSummary, h, heading, input, inset, link, p, summaryList } from '../ui.js';
import {
  MAX_ITEMS, allServices, blank, contactDone, dropDraft, firstMissing, lastQuestion, placeOf, reuse, saveDraft,
  service, stepOf, takeErrors, visible,
} from './report-state.js';
import { clean, digits, formPage, iso, pageCaption, printable } from './report-page.js';
import { placeText } from './report-place.js';
import { submitReport } from './report-end.js';

const nearbyFound = new Map();
let notice = null; // for check your answers: a request taken off because the resident follows an open report

export function nearbyKey(place) { return `${place.lat},${place.lng}`; }

// nearbyCases are the open reports of the same service near the place.
export async function nearbyCases(code, place) {
  const k = `${code}@${nearbyKey(place)}`;
  if (!nearbyFound.has(k)) {
    const res = await api(`/api/v1/cases/nearby?service=${encodeURIComponent(code)}&lat=${place.lat}&lng=${place.lng}`);
    nearbyFound.set(k, res.items || []);
  }
  return nearbyFound.get(k);
}

function divider(group, before) {
  const items = group.querySelectorAll('.govuk-radios__item');
  if (before > 0 && before < items.length) items[before].before(h('div', { class: 'govuk-radios__divider' }, t('WebReportOr')));
}

// nearbyPage offers the open reports near the place: following one is
// better than reporting the same thing again.
export async function nearbyPage(rc) {
  const i = Number(rc.ctx.query.get('item') || 0);
  const item = rc.draft.items[i];
  const place = item && placeOf(item, rc.services[i].form);
  let cases = [];
  if (place) {
    try { cases = await nearbyCases(item.service, place); } catch { /* offline: report anyway */ }
  }
  if (!cases.length) return { redirect: rc.afterNearbyHref() };
  const title = t('WebReportNearbyTitle');
  return formPage({
    title,
    back: rc.href(lastQuestion(rc.draft, rc.services, i)),
    build: (errs, raw) => {
      const group = choices({
        id: 'nearby', legend: title, hint: t('WebReportNearbyLead'), error: errs.get('nearby'), pageHeading: true,
        value: raw.nearby ?? rc.ctx.query.get('follow'),
        options: [...cases.map((c) => ({
          value: c.reference,
          label: t('WebReportNearbyItem', { Reference: iso(c.reference) }),
          hint: [t(`WebReportStatus_${c.status}`), t('WebReportNearbyDistance', { Count: Math.round(c.distance_m) }),
            t('WebReportNearbyReported', { Date: formatDate(c.created_at) })].join(' · '),
        })), { value: 'none', label: t('WebReportNearbyNone') }],
      });
      divider(group, cases.length);
      return [pageCaption(rc.services[i].name), group, signedIn() ? null : inset(t('WebReportNearbySignIn')), button(t('WebContinue'))];
    },
    submit: async (_form, raw) => {
      if (!raw.nearby) return [{ id: 'nearby', text: t('WebReportErrorNearby') }];
      if (raw.nearby === 'none') {
        item.nearby = nearbyKey(place);
        rc.save();
        await rc.app.navigate(rc.afterNearbyHref());
        return null;
      }
      if (!signedIn()) {
        await rc.app.navigate(`/sign-in?next=${encodeURIComponent(rc.href('nearby', { item: i, follow: raw.nearby }))}`);
        return null;
      }
      try {
        await api(`/api/v1/cases/${encodeURIComponent(raw.nearby)}/follow`, { method: 'POST' });
      } catch (e) {
        return [{ id: 'nearby', text: e instanceof OfflineError ? t('WebReportErrorOffline') : e.message }];
      }
      await followed(rc, i, raw.nearby);
      return null;
    },
  });
}

// followed takes the item off the report: the resident follows the open
// report instead. With nothing left to report, the journey ends there.
async function followed(rc, i, reference) {
  const { draft, code } = rc;
  const name = rc.services[i].name;
  draft.items.splice(i, 1);
  rc.services.splice(i, 1);
  dropDraft(code);
  if (!draft.items.length) {
    sessionStorage.setItem(`fd.following.${code}`, reference);
    await rc.app.navigate(rc.href('following'), { replace: true });
    return;
  }
  const first = draft.items[0].service;
  saveDraft(first, draft);
  notice = { reference, name };
  await rc.app.navigate(`/report/${first}/check`, { replace: true });
}

// addPage lets the resident ask for another service in the same report,
// those related to the first (hedges beside grass) listed first.
export async function addPage(rc) {
  const { draft } = rc;
  const drop = rc.ctx.query.get('drop');
  if (drop && draft.items.length > 1 && draft.items.at(-1).service === drop) {
    draft.items.pop();
    rc.services.pop();
    rc.save();
  }
  const used = new Set(draft.items.map((it) => it.service));
  const related = new Set(rc.services.flatMap((s) => s.related));
  const groups = new Set(rc.services.map((s) => s.group));
  const open = (await allServices()).filter((s) => !used.has(s.code) && s.channels.includes('web') && (s.anonymous || signedIn()));
  if (!open.length || draft.items.length >= MAX_ITEMS) return { redirect: rc.href('check') };
  const near = open.filter((s) => related.has(s.code) || groups.has(s.group));
  const rest = open.filter((s) => !near.includes(s));
  const title = t('WebReportAddTitle');
  return formPage({
    title,
    back: rc.href('check'),
    build: (errs, raw) => {
      const group = choices({
        id: 'add-service', legend: title, hint: t('WebReportAddHint'), error: errs.get('add-service'), pageHeading: true, value: raw['add-service'] ?? drop,
        options: [...near.map((s) => ({ value: s.code, label: s.name, hint: s.description })), ...rest.map((s) => ({ value: s.code, label: s.name }))],
      });
      divider(group, near.length);
      return [group, button(t('WebContinue'))];
    },
    submit: async (_form, raw) => {
      if (!open.some((s) => s.code === raw['add-service'])) return [{ id: 'add-service', text: t('WebReportErrorAdd') }];
      const svc = await service(raw['add-service']);
      const item = reuse(draft, svc);
      draft.items.push(item);
      rc.services.push(svc);
      rc.save();
      const n = draft.items.length - 1;
      const first = visible(svc.form, item.answers).find((q) => !(q.id in item.answers));
      if (first) await rc.app.navigate(rc.href(stepOf(draft, n, first.id)));
      else await rc.endOfItem(n);
      return null;
    },
  });
}

const EMAIL = /^[^\s@"[\]\\(),:;<>]+@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z-][a-z0-9-]*$/;

// phone checks a phone number as the server reads one: UK (07700 900123)
// or international (+48 ..., 0048 ...).
function phoneOK(s) {
  let v = s.replace(/[\s.\-\u00a0]/g, '').replace('+44(0)', '+44').replace(/[()]/g, '');
  if (v.startsWith('00')) v = `+${v.slice(2)}`;
  if (v.startsWith('+') && !v.startsWith('+44')) return /^\+[1-9]\d{7,14}$/.test(v);
  const national = v.startsWith('+44') ? v.slice(3) : v.startsWith('0') ? v.slice(1) : null;
  return !!national && /^[1235789]\d{8,9}$/.test(national) && (national.length === 10 || national[0] !== '7');
}

// contactPage asks someone not signed in how to reach them: their reference
// and every update go there, and tracking asks for the email (or postcode).
export function contactPage(rc) {
  const c = rc.draft.contact;
  const title = t('WebReportContactTitle');
  const ids = { name: 'contact-name', email: 'contact-email', phone: 'contact-phone' };
  return formPage({
    title,
    back: rc.ret ? rc.href('check') : rc.href(lastQuestion(rc.draft, rc.services)),
    errors: takeErrors(rc.code, 'contact'),
    build: (errs, raw) => [
      heading(title),
      p(t('WebReportContactLead')),
      p(link(`/sign-in?next=${encodeURIComponent(rc.href('check'))}`, t('WebReportContactSignIn'))),
      input({ id: ids.name, label: t('WebReportName'), error: errs.get(ids.name), value: raw[ids.name] ?? c.name ?? '', autocomplete: 'name', spellcheck: 'false' }),
      input({ id: ids.email, label: t('WebReportEmail'), hint: t('WebReportEmailHint'), error: errs.get(ids.email), value: raw[ids.email] ?? c.email ?? '', type: 'email', autocomplete: 'email', spellcheck: 'false' }),
      input({ id: ids.phone, label: t('WebReportPhone'), hint: t('WebReportPhoneHint'), error: errs.get(ids.phone), value: raw[ids.phone] ?? c.phone ?? '', type: 'tel', autocomplete: 'tel', width: 20 }),
      button(t('WebContinue')),
    ],
    submit: async (_form, raw) => {
      const name = clean(raw[ids.name]);
      const email = clean(raw[ids.email]).toLowerCase();
      const phone = digits(clean(raw[ids.phone]));
      const errs = [];
      if (!name) errs.push({ id: ids.name, text: t('WebReportErrorName') });
      else if ([...name].length > 100) errs.push({ id: ids.name, text: t('WebReportErrorTooLong', { Count: 100 }) });
      else if (!printable(name, false)) errs.push({ id: ids.name, text: t('WebReportErrorTextInvalid') });
      if (email && (email.length > 254 || !EMAIL.test(email))) errs.push({ id: ids.email, text: t('WebReportErrorEmail') });
      if (phone && !phoneOK(phone)) errs.push({ id: ids.phone, text: t('WebReportErrorPhone') });
      if (!email && !phone) errs.push({ id: ids.email, text: t('WebReportErrorContactNeeded') });
      if (errs.length) return errs;
      rc.draft.contact = { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
      rc.save();
      await rc.app.navigate(rc.href('check'));
      return null;
    },
  });
}

// answerText shows an answer on the check page.
export function answerText(q, a, meta) {
  if (blank(a)) return t('WebReportNotAnswered');
  switch (q.type) {
    case 'number': return new Intl.NumberFormat(lang()).format(a);
    case 'date': return formatDate(`${a}T12:00:00Z`);
    case 'choice': return q.options.find((o) => o.value === a)?.label ?? a;
    case 'yesno': return a ? t('WebReportYes') : t('WebReportNo');
    case 'address': return h('span', { class: 'app-answer', dir: 'auto' }, [a.line1, a.town, a.postcode].filter(Boolean).join('\n'));
    case 'point': return placeText(a, meta);
    case 'photo': return h('div', {},
      h('p', { class: 'govuk-body govuk-!-margin-bottom-2' }, t('WebReportPhotoCount', { Count: a.length })),
      h('div', { class: 'app-photos app-photos--small' }, a.map((ph, n) => h('img', {
        src: ph.thumb, alt: t('WebReportPhotoAlt', { Number: n + 1 }), class: 'app-photos__image',
      }))));
    case 'textarea': return h('span', { class: 'app-answer', dir: 'auto' }, a);
    default: return String(a);
  }
}

// checkPage is check your answers: every item's answers with a way back
// to each question, contact details, another request, and sending.
export function checkPage(rc) {
  const { draft, services } = rc;
  const missing = firstMissing(draft, services);
  if (missing) return { redirect: rc.href(missing, { return: 'check' }) };
  if (!signedIn() && !contactDone(draft)) return { redirect: rc.href('contact') };
  const title = t('WebReportCheckTitle');
  const errors = takeErrors(rc.code, 'check');
  const followedNotice = notice;
  notice = null;
  const sections = draft.items.map((it, i) => {
    const svc = services[i];
    const rows = visible(svc.form, it.answers).map((q) => ({
      key: q.label, value: answerText(q, it.answers[q.id], it.meta?.[q.id]), href: rc.href(stepOf(draft, i, q.id), { return: 'check' }),
    }));
    const remove = draft.items.length > 1 ? h('button', {
      type: 'button', class: 'govuk-button govuk-button--secondary',
      onclick: () => {
        draft.items.splice(i, 1);
        if (i === 0) {
          dropDraft(rc.code);
          saveDraft(draft.items[0].service, draft);
          return rc.app.navigate(`/report/${draft.items[0].service}/check`, { replace: true });
        }
        rc.save();
        return rc.app.navigate(rc.href('check'), { replace: true });
      },
    }, t('WebReportRemoveItem'), h('span', { class: 'govuk-visually-hidden' }, `: ${svc.name}`)) : null;
    return [h('h2', { class: 'govuk-heading-m' }, svc.name), summaryList(rows), remove];
  });
  const contact = signedIn() ? null : [
    h('h2', { class: 'govuk-heading-m' }, t('WebReportContactDetails')),
    summaryList([['name', 'WebReportName'], ['email', 'WebReportEmail'], ['phone', 'WebReportPhone']].map(([k, id]) => ({
      key: t(id), value: draft.contact[k] || t('WebReportNotAnswered'), href: rc.href('contact', { return: 'check' }),
    }))),
  ];
  const status = h('div', { class: 'govuk-body', role: 'status' });
  const canAdd = draft.items.length < MAX_ITEMS;
  let busy = false;
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    const send = form.querySelector('button');
    send.setAttribute('aria-disabled', 'true');
    status.textContent = t('WebReportSending');
    try {
      await submitReport(rc); // moves on: confirmation, "will be sent", or the page to put right
    } finally {
      busy = false;
      send.removeAttribute('aria-disabled');
      status.textContent = '';
    }
  } },
  h('h2', { class: 'govuk-heading-m' }, t('WebReportSendTitle')),
  p(t('WebReportSendDeclaration')),
  status,
  h('button', { class: 'govuk-button', type: 'submit', id: 'send' }, t('WebReportSend')));
  const summary = errors.map((text) => ({ id: 'send', text }));
  return {
    title,
    error: summary.length > 0,
    node: h('div', {}, backLink(rc.href(signedIn() ? lastQuestion(draft, services) : 'contact')),
      h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      summary.length ? errorSummary(summary) : null,
      followedNotice ? banner(t('WebReportFollowingTitle', { Reference: iso(followedNotice.reference) }),
        t('WebReportFollowingRemoved', { Service: followedNotice.name }), { success: true }) : null,
      heading(title),
      sections,
      canAdd ? [h('h2', { class: 'govuk-heading-m' }, t('WebReportAddAnotherTitle')), p(t('WebReportAddAnotherHint')),
        button(t('WebReportAddAnother'), { secondary: true, href: rc.href('add') })] : null,
      contact,
      form))),
    after: (main) => {
      const s = main.querySelector('.govuk-error-summary');
      if (s) { s.focus(); return true; }
      return false;
    },
  };
}

