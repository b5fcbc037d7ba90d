// Your details and your addresses: what the council's record holds, and
// corrections to it (PATCH /api/v1/me). A real change (a move, a new name or
// contact) goes through "tell us about a change", which tells the services.

import { formatDate, t } from '../i18n.js';
import { api } from '../api.js';
import { button, dateInput, h, heading, input, inset, link, list, p, summaryList } from '../ui.js';
import { flash, formView, frame, isDate, notFound, pick, today } from './account-kit.js';
import { displayName } from './account.js';

export async function render({ app, params }) {
  const me = await api('/api/v1/me');
  if (params.section === 'addresses') return params.id ? notFound() : addresses(app, me);
  switch (params.id) {
    case undefined: return details(app, me);
    case 'name': return editName(app, me);
    case 'date-of-birth': return editBirth(app, me);
    default: return notFound();
  }
}

function details(app, me) {
  const title = t('WebAccountDetails');
  const contacts = (items, value) => (items?.length
    ? list(items.map((c) => `${value(c)} (${c.verified ? t('WebAccountConfirmed') : t('WebAccountNotConfirmed')})`))
    : t('WebAccountNotGiven'));
  return {
    title,
    node: frame('/account', flash(app), heading(title),
      summaryList([
        { key: t('WebAccountName'), value: displayName(me.name) || t('WebAccountNotGiven'), href: '/account/details/name' },
        { key: t('WebAccountBirth'), value: me.date_of_birth ? formatDate(me.date_of_birth) : t('WebAccountNotGiven'), href: '/account/details/date-of-birth' },
        { key: t('WebAccountEmails'), value: contacts(me.contacts?.emails, (c) => c.address), href: '/account/change/contact' },
        { key: t('WebAccountPhones'), value: contacts(me.contacts?.phones, (c) => c.number), href: '/account/change/contact' },
      ]),
      inset(t('WebAccountCorrectionNote'), ' ', link('/account/change', t('WebAccountTellChangeLink')))),
  };
}

async function save(app, body, message) {
  await api('/api/v1/me', { method: 'PATCH', body });
  app.flash = message;
  await app.navigate('/account/details');
  return [];
}

function editName(app, me) {
  const title = t('WebAccountNameTitle');
  const n = me.name || {};
  return formView({
    title,
    back: '/account/details',
    label: t('WebAccountSave'),
    before: [heading(title), p(t('WebAccountNameIntro'))],
    draw: (err, v) => [
      input({ id: 'given', label: t('WebAccountGiven'), error: err('given'), value: v.get('given', n.given), autocomplete: 'given-name', spellcheck: 'false' }),
      input({ id: 'family', label: t('WebAccountFamily'), error: err('family'), value: v.get('family', n.family), autocomplete: 'family-name', spellcheck: 'false' }),
      input({ id: 'preferred', label: t('WebAccountPreferred'), hint: t('WebAccountPreferredHint'), error: err('preferred'), value: v.get('preferred', n.preferred), autocomplete: 'nickname', spellcheck: 'false' }),
    ],
    submit: (v) => {
      const name = { given: v.get('given'), family: v.get('family'), preferred: v.get('preferred') };
      if (!name.given && !name.family && !name.preferred) return [{ id: 'given', text: t('WebAccountNameMissing') }];
      return save(app, { name }, t('WebAccountNameSaved'));
    },
    idOf: pick({ given: 'given', family: 'family', preferred: 'preferred' }),
    fallback: 'given',
  });
}

function editBirth(app, me) {
  const title = t('WebAccountBirthTitle');
  return formView({
    title,
    back: '/account/details',
    label: t('WebAccountSave'),
    draw: (err, v) => [dateInput({ id: 'dob', legend: title, pageHeading: true, hint: t('WebAccountBirthHint'), error: err('dob'), value: v.date('dob', me.date_of_birth) })],
    submit: (v) => {
      const dob = v.date('dob');
      if (!isDate(dob) || dob >= today()) return [{ id: 'dob', text: t('WebAccountBirthInvalid') }];
      return save(app, { date_of_birth: dob }, t('WebAccountBirthSaved'));
    },
    idOf: () => 'dob',
    fallback: 'dob',
  });
}

// addressLines writes an address as its lines.
export function addressLines(a) {
  return h('span', {}, [a.line1, a.line2, a.town, a.postcode].filter(Boolean).flatMap((l, i) => (i ? [h('br'), l] : [l])));
}

function addresses(app, me) {
  const title = t('WebAccountAddresses');
  const all = [...(me.addresses || [])].sort((a, b) => b.valid_from.localeCompare(a.valid_from));
  const current = all.find((a) => !a.valid_to);
  const past = all.filter((a) => a.valid_to);
  const since = (a) => (a.valid_to
    ? t('WebAccountAddressFromTo', { From: formatDate(a.valid_from), To: formatDate(a.valid_to) })
    : t('WebAccountAddressSince', { From: formatDate(a.valid_from) }));
  return {
    title,
    node: frame('/account', flash(app), heading(title),
      current
        ? summaryList([{ key: t('WebAccountCurrentAddress'), value: [addressLines(current), h('br'), since(current)] }])
        : p(t('WebAccountNoAddress')),
      button(current ? t('WebAccountMoved') : t('WebAccountAddAddress'), { href: '/account/change/postcode' }),
      past.length ? [h('h2', { class: 'govuk-heading-m' }, t('WebAccountPastAddresses')),
        summaryList(past.map((a) => ({ key: since(a), value: addressLines(a) })))] : null),
  };
}
