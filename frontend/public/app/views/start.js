// The home page: the few things most people come for, one tap each.

import { t } from '../i18n.js';
import { signedIn } from '../api.js';
import { h, heading, lead, link, p } from '../ui.js';

export function render() {
  const tasks = [
    ['/services', t('WebStartReport'), t('WebStartReportHint')],
    ['/track', t('WebStartTrack'), t('WebStartTrackHint')],
    signedIn() ? ['/account', t('WebStartAccount'), t('WebStartAccountHint')] : ['/sign-in', t('WebStartSignIn'), t('WebStartSignInHint')],
  ];
  return {
    title: t('WebStartTitle'),
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      heading(t('WebStartTitle'), 'xl'),
      lead(t('WebStartLead')),
      h('ul', { class: 'govuk-list govuk-list--spaced' }, tasks.map(([href, title, hint]) => h('li', {},
        h('h2', { class: 'govuk-heading-m govuk-!-margin-bottom-1' }, link(href, title)),
        p(hint)))))),
  };
}
