// Linked services: the council's back-office systems (council tax, housing,
// the electoral register...) that the resident lets us tell about their
// changes. GET /api/v1/me/links lists those linked and those still linkable.

import { formatDate, t } from '../i18n.js';
import { api, newKey } from '../api.js';
import { button, choices, h, heading, input, link, p, summaryList, warning } from '../ui.js';
import { flash, formView, frame, notFound, pick } from './account-kit.js';

// CONSENT is the version of the consent wording (WebAccountConsent): a new
// wording needs a new version, so the record says what was agreed to.
const CONSENT = 'web-1';

export async function render({ app, params }) {
  const links = await api('/api/v1/me/links');
  if (params.section === 'services') return params.id ? notFound() : linked(app, links);
  if (params.section === 'unlink') {
    const l = links.items.find((x) => x.id === params.id);
    return l ? unlink(app, l) : { redirect: '/account/services' };
  }
  if (!params.id) return links.available.length ? choose(app, links.available) : { redirect: '/account/services' };
  const service = links.available.find((x) => x.connector === params.id);
  return service ? linkOne(app, service) : { redirect: '/account/link' };
}

function linked(app, { items, available }) {
  const title = t('WebAccountServices');
  return {
    title,
    node: frame('/account', flash(app), heading(title), p(t('WebAccountServicesIntro')),
      items.length
        ? summaryList(items.map((l) => ({
          key: l.name,
          value: [t('WebAccountReference', { Reference: l.reference }), h('br'), t('WebAccountLinkedOn', { Date: formatDate(l.created_at) })],
          href: `/account/unlink/${encodeURIComponent(l.id)}`,
          action: t('WebAccountUnlink'),
          hidden: l.name,
        })))
        : p(t('WebAccountNoServices')),
      available.length ? button(t('WebAccountLinkButton'), { href: '/account/link' }) : p(t('WebAccountNothingToLink'))),
  };
}

function choose(app, available) {
  const title = t('WebAccountLinkTitle');
  return formView({
    title,
    back: '/account/services',
    draw: (err, v) => [choices({
      id: 'connector', legend: title, pageHeading: true, hint: t('WebAccountLinkHint'), error: err('connector'),
      options: available.map((s) => ({ value: s.connector, label: s.name })), value: v.get('connector'),
    })],
    submit: (v) => {
      if (!v.get('connector')) return [{ id: 'connector', text: t('WebAccountLinkMissing') }];
      app.navigate(`/account/link/${encodeURIComponent(v.get('connector'))}`);
      return [];
    },
  });
}

function linkOne(app, service) {
  const title = t('WebAccountReferenceTitle', { Service: service.name });
  const key = newKey();
  return formView({
    title,
    back: '/account/link',
    label: t('WebAccountLinkSubmit'),
    draw: (err, v) => [
      input({ id: 'reference', label: title, pageHeading: true, hint: t('WebAccountReferenceHint'), error: err('reference'), value: v.get('reference'), spellcheck: 'false', autocomplete: 'off' }),
      choices({
        kind: 'checkboxes', id: 'consent', legend: t('WebAccountConsentLegend'), error: err('consent'), value: v.all('consent'),
        options: [{ value: 'yes', label: t('WebAccountConsent', { Service: service.name }) }],
      }),
    ],
    submit: async (v) => {
      const errors = [];
      if (!v.get('reference')) errors.push({ id: 'reference', text: t('WebAccountReferenceMissing', { Service: service.name }) });
      if (!v.all('consent').length) errors.push({ id: 'consent', text: t('WebAccountConsentMissing') });
      if (errors.length) return errors;
      await api('/api/v1/me/links', {
        method: 'POST', idempotencyKey: key,
        body: { connector: service.connector, reference: v.get('reference'), consent: true, consent_version: CONSENT },
      });
      app.flash = t('WebAccountLinked', { Service: service.name });
      await app.navigate('/account/services');
      return [];
    },
    idOf: pick({ reference: 'reference', consent: 'consent', consent_version: 'consent', connector: 'reference' }),
    fallback: 'reference',
  });
}

function unlink(app, l) {
  const title = t('WebAccountUnlinkTitle', { Service: l.name });
  return formView({
    title,
    back: '/account/services',
    label: t('WebAccountUnlink'),
    warning: true,
    before: [heading(title), p(t('WebAccountUnlinkBody', { Service: l.name })), warning(t('WebAccountUnlinkWarning'))],
    draw: () => [],
    actions: [link('/account/services', t('WebCancel'))],
    submit: async () => {
      await api(`/api/v1/me/links/${encodeURIComponent(l.id)}`, { method: 'DELETE' });
      app.flash = t('WebAccountUnlinked', { Service: l.name });
      await app.navigate('/account/services');
      return [];
    },
    fallback: 'main',
  });
}
