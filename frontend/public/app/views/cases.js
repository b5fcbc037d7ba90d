// My requests: the signed-in resident's cases (and those they follow), one
// case with its answers and timeline, and what they can do about it: add
// information, rate the service, complain, ask for a review. Offline, the
// service worker's copy is shown, saying from when.

import { api, newKey, signedIn } from '../api.js';
import { formatDate, lang, t } from '../i18n.js';
import { details, h, heading, link, p, summaryList, textarea } from '../ui.js';
import {
  actions, canEscalate, caseFacts, caseHeading, complaintLink, formPage, isDone, itemSections, offlineCopy, rateForm,
  read, reviewForm, services, statusTag, takeFlash, timeline,
} from './cases-parts.js';
import { photo } from './cases-photos.js';

export async function render({ params, query, path, app }) {
  // Offline there is no token, but a device that had a session still shows
  // what the service worker kept.
  const signIn = { redirect: `/sign-in?next=${encodeURIComponent(`${path}${query.size ? `?${query}` : ''}`)}` };
  if (!signedIn() && localStorage.getItem('fd.session') !== '1') return signIn;
  const ref = params.ref?.toUpperCase();
  try {
    if (!ref) return await casesPage(query, app);
    if (!params.action) return await casePage(ref, app);
    return actionPage(ref, params.action, query, app);
  } catch (e) {
    if (e.status === 401) return signIn;
    if (e.status === 404) return notFound();
    throw e;
  }
}

function notFound() {
  return { title: t('WebNotFoundTitle'), node: h('div', {}, heading(t('WebNotFoundTitle')), p(link('/cases', t('WebCasesTitle')))) };
}

// casesPage is a page of cases, newest first: those reported, or followed.
async function casesPage(query, app) {
  const following = query.get('following') === 'true';
  const qs = new URLSearchParams(following ? { following: 'true' } : {});
  if (query.get('cursor')) qs.set('cursor', query.get('cursor'));
  const { data, offlineAt } = await read(`/api/v1/cases${qs.size ? `?${qs}` : ''}`);
  const title = t(following ? 'WebCasesFollowingTitle' : 'WebCasesTitle');
  const tab = (href, id, current) => h('li', { class: 'app-subnav__item' },
    h('a', { class: 'govuk-link app-subnav__link', href, 'aria-current': current ? 'page' : null }, t(id)));
  const next = data.next && `/cases?${following ? 'following=true&' : ''}cursor=${encodeURIComponent(data.next)}`;
  return {
    title,
    node: h('div', {},
      takeFlash(app),
      heading(title),
      h('nav', { class: 'app-subnav', 'aria-label': t('WebCasesTabsLabel') }, h('ul', { class: 'app-subnav__list' },
        tab('/cases', 'WebCasesTitle', !following), tab('/cases?following=true', 'WebCasesFollowingTitle', following))),
      offlineAt ? offlineCopy(offlineAt) : null,
      data.items.length
        ? h('ul', { class: 'app-case-list' }, data.items.map(caseSummary))
        : [p(t(following ? 'WebCasesNoneFollowing' : 'WebCasesNone')), following ? null : p(link('/services', t('WebStartReport')))],
      next ? h('nav', { class: 'govuk-pagination govuk-pagination--block', 'aria-label': t('WebCasesPages') },
        h('div', { class: 'govuk-pagination__next' },
          h('a', { class: 'govuk-link govuk-pagination__link', href: next, rel: 'next' },
            h('span', { class: 'govuk-pagination__link-title' }, t('WebCasesOlder'))))) : null),
  };
}

function caseSummary(cs) {
  return h('li', { class: 'app-case-list__item' },
    h('h2', { class: 'govuk-heading-s govuk-!-margin-bottom-1' }, link(`/cases/${cs.reference}`, services(cs))),
    h('p', { class: 'govuk-body-s govuk-!-margin-bottom-2' },
      t('WebCasesReferenceCaption', { Reference: cs.reference }), h('br'), t('WebCasesReported', { Date: formatDate(cs.created_at) })),
    statusTag(cs.status));
}

// casePage is one case. The owner's view has the answers; a case the
// resident only follows is found in the list of those they follow.
async function casePage(ref, app) {
  const { data: cs, offlineAt, follows } = await read(`/api/v1/cases/${ref}`).catch((e) => {
    if (e.status === 404) return followed(ref);
    throw e;
  });
  const own = !follows;
  const forms = own ? await questions(cs) : {};
  const base = `/cases/${cs.reference}`;
  return {
    title: services(cs),
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      takeFlash(app),
      caseHeading(cs),
      offlineAt ? offlineCopy(offlineAt) : null,
      own ? null : p(t('WebCasesFollowed')),
      caseFacts(cs),
      itemSections(cs, (item) => [
        own ? answers(cs.reference, item, forms[item.service]) : null,
        canEscalate(item) ? p(link(`${base}/escalate?item=${encodeURIComponent(item.id)}`, t('WebCasesEscalate'))) : null,
      ]),
      own ? actions([
        isDone(cs.status) || cs.merged_into ? null : [`${base}/information`, t('WebCasesAddInformation')],
        cs.feedback_requested ? [`${base}/feedback`, t('WebCasesRate')] : null,
        complaintLink(cs),
      ]) : null,
      timeline(cs.updates),
      p(link('/cases', t('WebCasesAll')))),
    ),
  };
}

// followed finds a followed case in the first few pages of those followed.
async function followed(ref) {
  let path = '/api/v1/cases?following=true';
  for (let i = 0; i < 5 && path; i++) {
    const { data, offlineAt } = await read(path);
    const cs = data.items.find((c) => c.reference === ref);
    if (cs) return { data: cs, offlineAt, follows: true };
    path = data.next && `/api/v1/cases?following=true&cursor=${encodeURIComponent(data.next)}`;
  }
  throw Object.assign(new Error('not followed'), { status: 404 });
}

// questions are the forms of a case's services (for their questions'
// words), by service code; a form that cannot be had leaves the ids.
async function questions(cs) {
  const codes = [...new Set(cs.items.map((i) => i.service))];
  const views = await Promise.all(codes.map((c) => api(`/api/v1/services/${c}`).catch(() => null)));
  return Object.fromEntries(codes.map((c, i) => [c, views[i]?.form?.questions || []]));
}

// answers is what the resident told us for one item, in the form's order.
function answers(ref, item, qs = []) {
  const given = item.answers || {};
  const ids = [...qs.map((q) => q.id).filter((id) => id in given), ...Object.keys(given).filter((id) => !qs.some((q) => q.id === id))];
  if (!ids.length) return null;
  const rows = ids.map((id) => {
    const q = qs.find((x) => x.id === id) || { id, label: id };
    return { key: q.label, value: h('span', { dir: 'auto' }, answerText(ref, q, given[id])) };
  });
  return details(t('WebCasesAnswers'), summaryList(rows));
}

function answerText(ref, q, v) {
  const num = (n) => new Intl.NumberFormat(lang(), { maximumFractionDigits: 5 }).format(n);
  if (q.type === 'photo' || Array.isArray(v)) return h('div', {}, [].concat(v).map((id, i) => photo(ref, id, i + 1)));
  if (typeof v === 'boolean') return t(v ? 'WebCasesYes' : 'WebCasesNo');
  if (typeof v === 'number') return num(v);
  if (v && typeof v === 'object') {
    if ('lat' in v) return `${num(v.lat)}, ${num(v.lng)}`;
    return [v.line1, v.town, v.postcode].filter(Boolean).map((line, i) => [i ? h('br') : null, line]);
  }
  if (q.type === 'date' && /^\d{4}-\d\d-\d\d$/.test(v)) return formatDate(`${v}T12:00:00Z`);
  return q.options?.find((o) => o.value === v)?.label ?? String(v);
}

// actionPage is one of: add information, rate the service, ask for a review.
function actionPage(ref, action, query, app) {
  const base = `/cases/${ref}`;
  const key = newKey(); // one per page: a resend adds nothing twice
  const send = (path, body, title, text) => async (v) => {
    await api(`/api/v1/cases/${ref}${path}`, { method: 'POST', body: body(v), idempotencyKey: key });
    app.flash = { title: t(title), body: text && t(text) };
    await app.navigate(base);
  };
  const rate = rateForm();
  const review = reviewForm();
  const pages = {
    information: () => formPage({
      title: t('WebCasesInformationTitle'), back: base, firstId: 'text', ids: { text: 'text' },
      fields: (v, err) => textarea({ id: 'text', label: t('WebCasesInformationTitle'), hint: t('WebCasesInformationHint'), pageHeading: true, value: v.text, error: err('text') }),
      check: (v) => (v.text?.trim() ? [] : [{ id: 'text', text: t('WebCasesInformationRequired') }]),
      send: send('/information', (v) => ({ text: v.text.trim() }), 'WebCasesInformationDone', 'WebCasesInformationDoneBody'),
    }),
    feedback: () => formPage({ ...rate, back: base, send: send('/feedback', rate.body, 'WebCasesFeedbackDone') }),
    escalate: () => formPage({
      ...review, back: base,
      send: send(`/items/${encodeURIComponent(query.get('item') || '')}/escalate`, review.body, 'WebCasesEscalateDone', 'WebCasesEscalateDoneBody'),
    }),
  };
  return pages[action]?.() ?? notFound();
}
