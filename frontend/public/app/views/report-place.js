// Where: an address found by postcode (or typed in), and a place (a point)
// from the device's location or from the nearest address to it. No map.

import { ApiError, OfflineError, api } from '../api.js';
import { t } from '../i18n.js';
import { button, h, heading, input, inset, link, p } from '../ui.js';
import { clean, formPage, iso, postcode, select, textError } from './report-page.js';

const found = new Map();

// lookup lists the addresses of a postcode (GET /api/v1/addresses).
async function lookup(pc) {
  if (!found.has(pc)) {
    try {
      const res = await api(`/api/v1/addresses?postcode=${encodeURIComponent(pc)}`);
      found.set(pc, res?.items || []);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return [];
      throw e;
    }
  }
  return found.get(pc);
}

export const addressText = (a) => [a.line1, a.town, a.postcode].filter(Boolean).join(', ');

// placeText says in words where a point answer is.
export function placeText(a, meta = {}) {
  if (meta.address) return t('WebReportPlaceNear', { Address: iso(meta.address) });
  const fmt = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 5 });
  return t(meta.mine ? 'WebReportPlaceMine' : 'WebReportPlaceAt', { Lat: iso(fmt.format(a.lat)), Lng: iso(fmt.format(a.lng)) });
}

// heads is the question's caption, heading and hint. A place's hint is
// ours: the catalogue's speaks of a map, which this app does not draw.
function heads(page) {
  const hint = page.q.type === 'point' ? t('WebReportPointHint') : page.q.hint;
  return [page.caption, heading(page.label, 'l'), hint ? p(hint) : null];
}

// lookupError is what to say when the lookup fails, or null for no addresses.
function lookupError(e, offlineText) {
  if (e instanceof OfflineError) return offlineText;
  if (e instanceof ApiError && e.status === 400) return t('WebReportErrorPostcode');
  if (e instanceof ApiError) return e.message;
  throw e;
}

async function addresses(page, pc, withPlace, offlineText) {
  try {
    const items = await lookup(pc);
    const usable = withPlace ? items.filter((a) => typeof a.lat === 'number' && typeof a.lng === 'number') : items;
    return usable.length ? { items: usable } : { error: t('WebReportErrorNoAddresses') };
  } catch (e) {
    return { error: lookupError(e, offlineText) };
  }
}

function keep(page, extra = {}) {
  return { ...(page.rc.ret ? { return: 'check' } : {}), ...extra };
}

function stepHref(page, extra) {
  return page.rc.href(page.rc.stepOf(page.i, page.q.id), keep(page, extra));
}

export async function addressPage(page) {
  const pc = page.rc.ctx.query.get('postcode');
  if (page.rc.ctx.query.get('manual') === '1') return manualAddress(page, pc);
  if (pc) {
    const r = await addresses(page, pc, false, t('WebReportErrorLookupOffline'));
    if (r.items) return chooseAddress(page, pc, r.items);
    return findByPostcode(page, { error: r.error, value: pc });
  }
  return findByPostcode(page, { errors: page.serverErrors });
}

// findByPostcode asks for the postcode to look up; a place answer also
// offers the device's location.
function findByPostcode(page, { error, value, errors = [] }) {
  const { rc, i, q, fid, item } = page;
  const isPlace = q.type === 'point';
  const answer = item.answers[q.id];
  const meta = item.meta[q.id] || {};
  const locateId = `${fid}-locate`;
  const status = h('div', { class: 'govuk-body', role: 'status' });
  let self = null;
  const locate = () => {
    status.textContent = t('WebReportFindingLocation');
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const round = (n) => Math.round(n * 1e6) / 1e6;
      item.answers[q.id] = { lat: round(pos.coords.latitude), lng: round(pos.coords.longitude) };
      item.meta[q.id] = { mine: true };
      rc.save();
      await rc.next(i, q.id);
    }, (err) => {
      status.textContent = '';
      self.fail([{ id: locateId, text: t(err.code === 1 ? 'WebReportErrorLocationDenied' : 'WebReportErrorLocationFailed') }]);
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  };
  const current = answer ? (isPlace ? placeText(answer, meta) : addressText(answer)) : null;
  self = formPage({
    title: q.label,
    back: rc.backHref(i, q.id),
    // The server's words about a place found by the device go by its button.
    errors: error ? [{ id: fid, text: error }]
      : errors.map((text) => ({ id: isPlace && meta.mine && 'geolocation' in navigator ? locateId : fid, text })),
    raw: value ? { [fid]: value } : {},
    build: (errs, raw) => [
      heads(page),
      current ? inset(p(t('WebReportCurrentAnswer', { Answer: iso(current) })),
        button(isPlace ? t('WebReportKeepPlace') : t('WebReportKeepAddress'), { type: 'button', onclick: () => rc.next(i, q.id) })) : null,
      isPlace && 'geolocation' in navigator ? [
        h('div', { class: `govuk-form-group${errs.get(locateId) ? ' govuk-form-group--error' : ''}` },
          errs.get(locateId) ? h('p', { class: 'govuk-error-message', id: `${locateId}-error` },
            h('span', { class: 'govuk-visually-hidden' }, `${t('WebErrorPrefix')}: `), errs.get(locateId)) : null,
          h('button', { class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-2', type: 'button', id: locateId, onclick: locate,
            'aria-describedby': errs.get(locateId) ? `${locateId}-error` : null }, t('WebReportUseLocation')),
          status),
        h('h2', { class: 'govuk-heading-m' }, t('WebReportOrPostcode')),
      ] : null,
      input({
        id: fid, label: t('WebReportPostcodeLabel'), hint: isPlace ? t('WebReportPostcodePlaceHint') : null, error: errs.get(fid),
        value: raw[fid] ?? meta.postcode ?? answer?.postcode ?? '', width: 10, autocomplete: isPlace ? null : 'postal-code', spellcheck: 'false',
      }),
      button(isPlace ? t('WebReportFindAddresses') : t('WebReportFindAddress'), { secondary: !!current }),
      isPlace ? null : p(link(stepHref(page, { manual: '1' }), t('WebReportEnterManually'))),
    ],
    submit: async (_form, raw) => {
      if (!clean(raw[fid])) return [{ id: fid, text: t(isPlace ? 'WebReportErrorPlace' : 'WebReportErrorPostcodeRequired') }];
      const v = postcode(raw[fid]);
      if (!v) return [{ id: fid, text: t('WebReportErrorPostcode') }];
      await rc.app.navigate(stepHref(page, { postcode: v }));
      return null;
    },
  });
  return self;
}

// chooseAddress lists the postcode's addresses in a select.
function chooseAddress(page, pc, items) {
  const { rc, i, q, fid, item } = page;
  const isPlace = q.type === 'point';
  const answer = item.answers[q.id];
  const chosen = answer ? items.findIndex((a) => (isPlace ? a.lat === answer.lat && a.lng === answer.lng : a.line1 === answer.line1)) : -1;
  return formPage({
    title: q.label,
    back: stepHref(page),
    build: (errs, raw) => [
      heads(page),
      p(t('WebReportPostcodeShown', { Postcode: iso(pc) }), ' ',
        link(stepHref(page), [t('WebChange'), h('span', { class: 'govuk-visually-hidden' }, ` ${t('WebReportPostcodeLabel')}`)])),
      select({
        id: fid, label: t(isPlace ? 'WebReportSelectNearest' : 'WebReportSelectAddress'), error: errs.get(fid),
        value: raw[fid] ?? (chosen >= 0 ? chosen : ''),
        options: [{ value: '', label: t('WebReportAddressesFound', { Count: items.length }) },
          ...items.map((a, n) => ({ value: n, label: iso(addressText(a)) }))],
      }),
      isPlace ? null : p(link(stepHref(page, { manual: '1', postcode: pc }), t('WebReportCannotFind'))),
      button(t('WebContinue')),
    ],
    submit: async (_form, raw) => {
      const a = raw[fid] === '' || raw[fid] == null ? null : items[Number(raw[fid])];
      if (!a) return [{ id: fid, text: t('WebReportErrorSelectAddress') }];
      if (isPlace) {
        item.answers[q.id] = { lat: a.lat, lng: a.lng };
        item.meta[q.id] = { address: addressText(a), postcode: a.postcode };
      } else {
        const ans = { line1: a.line1, postcode: a.postcode };
        if (a.town) ans.town = a.town;
        if (a.uprn) ans.uprn = String(a.uprn);
        item.answers[q.id] = ans;
        item.meta[q.id] = typeof a.lat === 'number' ? { geo: { lat: a.lat, lng: a.lng }, postcode: a.postcode } : { postcode: a.postcode };
      }
      rc.save();
      await rc.next(i, q.id);
      return null;
    },
  });
}

// manualAddress is the address typed in, when the lookup cannot help.
function manualAddress(page, pc) {
  const { rc, i, q, fid, item } = page;
  const answer = item.answers[q.id] || {};
  const ids = { line1: fid, town: `${fid}-town`, postcode: `${fid}-postcode` };
  return formPage({
    title: q.label,
    back: stepHref(page, pc ? { postcode: pc } : {}),
    errors: page.serverErrors.map((text) => ({ id: fid, text })),
    build: (errs, raw) => [
      page.caption,
      h('fieldset', { class: 'govuk-fieldset' },
        h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--l' }, h('h1', { class: 'govuk-fieldset__heading' }, page.label)),
        q.hint ? h('div', { class: 'govuk-hint' }, q.hint) : null,
        input({ id: ids.line1, label: t('WebReportLine1'), error: errs.get(ids.line1), value: raw[ids.line1] ?? answer.line1 ?? '', autocomplete: 'address-line1' }),
        input({ id: ids.town, label: `${t('WebReportTown')} ${t('WebReportOptional')}`, error: errs.get(ids.town), value: raw[ids.town] ?? answer.town ?? '', autocomplete: 'address-level2', width: 20 }),
        input({ id: ids.postcode, label: t('WebReportPostcodeLabel'), error: errs.get(ids.postcode), value: raw[ids.postcode] ?? answer.postcode ?? pc ?? '', autocomplete: 'postal-code', width: 10 })),
      p(link(stepHref(page), t('WebReportFindByPostcodeInstead'))),
      button(t('WebContinue')),
    ],
    submit: async (_form, raw) => {
      const errs = [];
      const line1 = clean(raw[ids.line1]);
      const town = clean(raw[ids.town]);
      const pcode = postcode(raw[ids.postcode]);
      if (!line1) errs.push({ id: ids.line1, text: t('WebReportErrorLine1') });
      else if (textError(line1, 200)) errs.push({ id: ids.line1, text: textError(line1, 200) });
      if (town && textError(town, 100)) errs.push({ id: ids.town, text: textError(town, 100) });
      if (!clean(raw[ids.postcode])) errs.push({ id: ids.postcode, text: t('WebReportErrorPostcodeRequired') });
      else if (!pcode) errs.push({ id: ids.postcode, text: t('WebReportErrorPostcode') });
      if (errs.length) return errs;
      item.answers[q.id] = town ? { line1, town, postcode: pcode } : { line1, postcode: pcode };
      item.meta[q.id] = { postcode: pcode };
      rc.save();
      await rc.next(i, q.id);
      return null;
    },
  });
}

export async function pointPage(page) {
  const pc = page.rc.ctx.query.get('postcode');
  if (pc) {
    const r = await addresses(page, pc, true, t('WebReportErrorLookupOfflinePlace'));
    if (r.items) return chooseAddress(page, pc, r.items);
    return findByPostcode(page, { error: r.error, value: pc });
  }
  return findByPostcode(page, { errors: page.serverErrors });
}
