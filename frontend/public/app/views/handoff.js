// A hand-off link opened on the resident's own phone (issue 7): the journey
// they were on at a council terminal carries on here, signed in if they were
// signed in there. The link works once, for a few minutes; opening it ends
// the session on the terminal, which then clears itself.

import { ApiError, api, startSession } from '../api.js';
import { t } from '../i18n.js';
import { h, heading, link, list, p } from '../ui.js';
import { safeNext } from './account-kit.js';

export async function render({ params }) {
  let claim;
  try {
    claim = await api(`/api/v1/handoff/${encodeURIComponent(params.token)}`, { method: 'POST' });
  } catch (e) {
    if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) return expired();
    throw e;
  }
  if (claim.access_token) startSession(claim);
  // The link's own address (its token) is replaced in history by the journey's.
  return { redirect: safeNext(claim.path) || '/' };
}

function expired() {
  const title = t('WebKioskHandoffExpiredTitle');
  return {
    title,
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      heading(title), p(t('WebKioskHandoffExpiredBody')), p(t('WebKioskHandoffExpiredNext')),
      list([link('/services', t('WebStartReport')), link('/track', t('WebStartTrack'))], 'bullet'))),
  };
}
