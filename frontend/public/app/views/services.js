// Find a service: browse the catalogue by group, or search it by words
// (/services); and each service's start page (/services/<code>): what it
// is, the council's service standard, and the button to start.

import { ApiError, signedIn } from '../api.js';
import { lang, t } from '../i18n.js';
import { backLink, button, caption, h, heading, inset, lead, link, p } from '../ui.js';
import { allServices, loadDraft, service } from './report-state.js';

export async function render(ctx) {
  return ctx.params.code ? startPage(ctx, ctx.params.code) : browse(ctx);
}

// groupName is a group's name in the current language; a group the app has
// no words for yet shows its key.
function groupName(key) {
  const id = `WebServicesGroup_${key}`;
  const name = t(id);
  return name === id ? key : name;
}

// fold makes text comparable whatever its case and accents: "Ŵyl" and
// "wyl", "Łąka" and "laka", Arabic with or without its vowel marks.
function fold(s) {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/ł/g, 'l').replace(/ß/g, 'ss');
}

function words(s) { return fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean); }

// search keeps the services with every word of the query in their name or
// description (or group), those matching by name first.
export function search(services, query) {
  const qs = words(query);
  if (!qs.length) return [];
  const has = (text, w) => text.includes(w) || (w.length > 3 && /s$/.test(w) && text.includes(w.slice(0, -1)));
  const scored = [];
  for (const s of services) {
    const name = fold(s.name);
    const all = `${name} ${fold(s.description)} ${fold(groupName(s.group))}`;
    if (!qs.every((w) => has(all, w))) continue;
    scored.push({ s, score: qs.filter((w) => has(name, w)).length });
  }
  return scored.sort((a, b) => b.score - a.score).map((x) => x.s);
}

function serviceList(services) {
  return h('ul', { class: 'govuk-list app-service-list' }, services.map((s) => h('li', { class: 'app-service-list__item' },
    h('h3', { class: 'govuk-heading-s govuk-!-margin-bottom-1' }, link(`/services/${s.code}`, s.name)),
    h('p', { class: 'govuk-body govuk-!-margin-bottom-0' }, s.description))));
}

async function browse(ctx) {
  const services = (await allServices()).filter((s) => s.channels.includes('web'));
  const collator = new Intl.Collator(lang());
  const groups = [...new Set(services.map((s) => s.group))].sort((a, b) => collator.compare(groupName(a), groupName(b)));
  const title = t('WebServicesTitle');
  const status = h('p', { class: 'govuk-body govuk-!-font-weight-bold', role: 'status', id: 'search-count' });
  const results = h('div', {});
  const all = h('div', {}, groups.map((g) => h('section', { 'aria-labelledby': `group-${g}` },
    h('h2', { class: 'govuk-heading-m', id: `group-${g}` }, groupName(g)),
    serviceList(services.filter((s) => s.group === g).sort((a, b) => collator.compare(a.name, b.name))))));
  const box = h('input', {
    class: 'govuk-input app-search__input', id: 'search', name: 'q', type: 'search', spellcheck: 'false',
    autocomplete: 'off', enterkeyhint: 'search', value: ctx.query.get('q') || '',
  });
  const show = (query) => {
    const q = query.trim();
    if (!q) {
      status.textContent = '';
      results.replaceChildren();
      all.hidden = false;
      return;
    }
    const found = search(services, q);
    status.textContent = t('WebServicesResults', { Count: found.length, Query: q });
    results.replaceChildren(
      found.length ? serviceList(found) : p(t('WebServicesNoResults')),
      p(link('/services', t('WebServicesClearSearch'), { onclick: (ev) => { ev.preventDefault(); box.value = ''; history.pushState(null, '', '/services'); show(''); box.focus(); } })));
    all.hidden = true;
  };
  const form = h('form', { role: 'search', novalidate: true, class: 'govuk-!-margin-bottom-6', onsubmit: (ev) => {
    ev.preventDefault();
    const q = box.value.trim();
    const url = q ? `/services?q=${encodeURIComponent(q)}` : '/services';
    if (location.pathname + location.search !== url) history.pushState(null, '', url);
    show(q);
  } },
  h('div', { class: 'govuk-form-group govuk-!-margin-bottom-0' },
    h('label', { class: 'govuk-label govuk-label--s', for: 'search' }, t('WebServicesSearchLabel')),
    h('div', { class: 'govuk-hint', id: 'search-hint' }, t('WebServicesSearchHint')),
    h('div', { class: 'app-search' }, box,
      h('button', { class: 'govuk-button app-search__button', type: 'submit' }, t('WebServicesSearchButton')))));
  box.setAttribute('aria-describedby', 'search-hint');
  show(ctx.query.get('q') || '');
  return {
    title: ctx.query.get('q') ? `${title}: ${ctx.query.get('q')}` : title,
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      heading(title, 'xl'), lead(t('WebServicesLead')), form, status, results, all)),
  };
}

async function startPage(ctx, code) {
  let s;
  try {
    s = await service(code);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      return { title: t('WebNotFoundTitle'), node: h('div', {}, heading(t('WebNotFoundTitle')), p(t('WebNotFoundBody')), p(link('/services', t('WebNavServices')))) };
    }
    throw e;
  }
  const start = `/report/${code}`;
  const needSignIn = !s.anonymous && !signedIn();
  const related = s.related.length ? await allServices().then((all) => all.filter((x) => s.related.includes(x.code))).catch(() => []) : [];
  const unit = s.standard.unit === 'hours' ? 'WebServicesTargetHours' : 'WebServicesTargetDays';
  const online = s.channels.includes('web');
  return {
    title: s.name,
    node: h('div', {}, backLink('/services'), h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      caption(groupName(s.group)),
      heading(s.name, 'xl'),
      lead(s.description),
      heading(t('WebServicesWeWillTitle'), 'm', 'h2'),
      p(s.standard.we_will),
      p(t(unit, { Count: s.standard.target })),
      heading(t('WebServicesWeAskTitle'), 'm', 'h2'),
      p(s.standard.we_ask),
      !online ? inset(t('WebServicesNotOnline'))
        : needSignIn ? [inset(t('WebServicesSignInNeeded')), button(t('WebServicesStartSignIn'), { start: true, href: `/sign-in?next=${encodeURIComponent(start)}` })]
          : [s.anonymous && !signedIn() ? p(t('WebServicesNoAccount')) : null,
            loadDraft(code) ? p(t('WebServicesDraftKept')) : null,
            button(t('WebServicesStart'), { start: true, href: start })],
      related.length ? [heading(t('WebServicesRelatedTitle'), 'm', 'h2'),
        h('ul', { class: 'govuk-list' }, related.map((r) => h('li', {}, link(`/services/${r.code}`, r.name))))] : null))),
  };
}
