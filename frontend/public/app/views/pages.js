// The council's fixed pages: the accessibility statement (/accessibility),
// laid out as the model statement for the Public Sector Bodies Accessibility
// Regulations 2018 asks, and the privacy notice (/privacy). Every word is in
// locales/webpages.*.toml; only addresses, numbers and links live here.

import { formatDate, t } from '../i18n.js';
import { h, heading, lead, link, p } from '../ui.js';

// When the statement was prepared and the service last tested.
const PREPARED = '2026-11-23';

const CONTACT = {
  accessibility: 'accessibility@plymouth.gov.uk',
  dpo: 'dpo@plymouth.gov.uk',
  phone: '01752 668000',
  tel: 'tel:+441752668000',
};

const LINKS = {
  abilityNet: 'https://mcmw.abilitynet.org.uk/',
  eass: 'https://www.equalityadvisoryservice.com/',
  ecni: 'https://www.equalityni.org/Home',
  wcag: 'https://www.w3.org/TR/WCAG22/',
  ico: 'https://ico.org.uk/make-a-complaint/',
};

const h2 = (id) => heading(t(id), 'm', 'h2');
const h3 = (id) => heading(t(id), 's', 'h3');
const h4 = (id) => heading(t(id), 's', 'h4');
const para = (id, data) => p(t(id, data));
const bullets = (...ids) => h('ul', { class: 'govuk-list govuk-list--bullet' }, ids.map((id) => h('li', {}, t(id))));
const out = (href, id) => p(link(href, t(id)));

// Addresses and numbers read left to right inside any language: dir="ltr"
// keeps them whole in an Arabic sentence.
const ltr = (href, text) => link(href, text, { dir: 'ltr' });
const labelled = (labelId, node) => h('li', {}, `${t(labelId)}: `, node);

function contactList(email) {
  return h('ul', { class: 'govuk-list app-pages__contact' },
    labelled('WebPagesEmail', ltr(`mailto:${email}`, email)),
    labelled('WebPagesPhone', ltr(CONTACT.tel, CONTACT.phone)),
    h('li', {}, t('WebPagesRelay')),
    h('li', {}, t('WebPagesInPerson')));
}

function accessibility() {
  const date = formatDate(PREPARED);
  return [
    heading(t('WebPagesA11yTitle'), 'l'),
    para('WebPagesA11yApplies', { Site: location.host }),
    para('WebPagesA11yRunBy'),
    bullets('WebPagesA11yCanColours', 'WebPagesA11yCanZoom', 'WebPagesA11yCanKeyboard', 'WebPagesA11yCanScreenReader',
      'WebPagesA11yCanLanguage', 'WebPagesA11yCanOffline'),
    para('WebPagesA11ySimple'),
    out(LINKS.abilityNet, 'WebPagesA11yAbilityNet'),

    h2('WebPagesA11yHowHeading'),
    para('WebPagesA11yHowIntro'),
    bullets('WebPagesA11yHowStaffUpdates', 'WebPagesA11yHowPhotos'),

    h2('WebPagesA11yFeedbackHeading'),
    para('WebPagesA11yFeedbackIntro'),
    contactList(CONTACT.accessibility),
    para('WebPagesA11yFeedbackReply'),

    h2('WebPagesA11yReportHeading'),
    para('WebPagesA11yReportBody'),
    h('ul', { class: 'govuk-list app-pages__contact' },
      labelled('WebPagesEmail', ltr(`mailto:${CONTACT.accessibility}`, CONTACT.accessibility))),

    h2('WebPagesA11yEnforcementHeading'),
    para('WebPagesA11yEnforcementEHRC'),
    out(LINKS.eass, 'WebPagesA11yEnforcementEASS'),
    out(LINKS.ecni, 'WebPagesA11yEnforcementECNI'),

    h2('WebPagesA11yTechnicalHeading'),
    para('WebPagesA11yTechnicalBody'),
    h3('WebPagesA11yComplianceHeading'),
    para('WebPagesA11yComplianceBody'),
    out(LINKS.wcag, 'WebPagesA11yWcagLink'),
    h3('WebPagesA11yNonAccessibleHeading'),
    para('WebPagesA11yNonAccessibleIntro'),
    h4('WebPagesA11yNonComplianceHeading'),
    para('WebPagesA11yNonComplianceStaff'),
    h4('WebPagesA11yBurdenHeading'),
    para('WebPagesA11yBurdenBody'),
    h4('WebPagesA11yScopeHeading'),
    para('WebPagesA11yScopePhotos'),

    h2('WebPagesA11yImprovingHeading'),
    para('WebPagesA11yImprovingBody'),

    h2('WebPagesA11yPreparationHeading'),
    para('WebPagesA11yPrepared', { Date: date }),
    para('WebPagesA11yTested', { Date: date }),
    bullets('WebPagesA11yTestAxe', 'WebPagesA11yTestKeyboard', 'WebPagesA11yTestStructure', 'WebPagesA11yTestReflow',
      'WebPagesA11yTestOffline'),
  ];
}

function privacy() {
  return [
    heading(t('WebPagesPrivacyTitle'), 'l'),
    lead(t('WebPagesPrivacyLead')),

    h2('WebPagesPrivacyWhoHeading'),
    para('WebPagesPrivacyWhoBody'),
    para('WebPagesPrivacyWhoScope'),

    h2('WebPagesPrivacyCollectHeading'),
    h3('WebPagesPrivacyRequestsHeading'),
    bullets('WebPagesPrivacyRequestsForm', 'WebPagesPrivacyRequestsPlace', 'WebPagesPrivacyRequestsPhotos',
      'WebPagesPrivacyRequestsContact', 'WebPagesPrivacyRequestsChannel'),
    h3('WebPagesPrivacyAccountHeading'),
    bullets('WebPagesPrivacyAccountDetails', 'WebPagesPrivacyAccountPassword', 'WebPagesPrivacyAccountAddresses',
      'WebPagesPrivacyAccountChanges'),
    h3('WebPagesPrivacyPushHeading'),
    para('WebPagesPrivacyPushBody'),
    h3('WebPagesPrivacyDeviceHeading'),
    bullets('WebPagesPrivacyDeviceCookie', 'WebPagesPrivacyDeviceCopy', 'WebPagesPrivacyDeviceSignIn', 'WebPagesPrivacyDeviceLogs'),

    h2('WebPagesPrivacyUseHeading'),
    bullets('WebPagesPrivacyUseHandle', 'WebPagesPrivacyUseUpdate', 'WebPagesPrivacyUseTellOnce', 'WebPagesPrivacyUseImprove',
      'WebPagesPrivacyUseMisuse'),

    h2('WebPagesPrivacyBasisHeading'),
    para('WebPagesPrivacyBasisPublicTask'),
    para('WebPagesPrivacyBasisSpecial'),
    para('WebPagesPrivacyBasisPush'),

    h2('WebPagesPrivacyShareHeading'),
    bullets('WebPagesPrivacyShareTeams', 'WebPagesPrivacyShareLinked', 'WebPagesPrivacyShareNotify', 'WebPagesPrivacySharePush'),
    para('WebPagesPrivacyShareNever'),

    h2('WebPagesPrivacyKeepHeading'),
    bullets('WebPagesPrivacyKeepRequests', 'WebPagesPrivacyKeepAccount', 'WebPagesPrivacyKeepPhotos', 'WebPagesPrivacyKeepCodes',
      'WebPagesPrivacyKeepSession', 'WebPagesPrivacyKeepPush'),

    h2('WebPagesPrivacyRightsHeading'),
    para('WebPagesPrivacyRightsIntro'),
    bullets('WebPagesPrivacyRightsAccess', 'WebPagesPrivacyRightsCorrect', 'WebPagesPrivacyRightsDelete',
      'WebPagesPrivacyRightsRestrict', 'WebPagesPrivacyRightsObject', 'WebPagesPrivacyRightsComplain'),
    para('WebPagesPrivacyRightsLimits'),

    h2('WebPagesPrivacyDpoHeading'),
    para('WebPagesPrivacyDpoBody'),
    h('ul', { class: 'govuk-list app-pages__contact' },
      labelled('WebPagesEmail', ltr(`mailto:${CONTACT.dpo}`, CONTACT.dpo)),
      labelled('WebPagesPhone', ltr(CONTACT.tel, CONTACT.phone)),
      h('li', {}, t('WebPagesPrivacyDpoPost'))),

    h2('WebPagesPrivacyIcoHeading'),
    para('WebPagesPrivacyIcoBody'),
    out(LINKS.ico, 'WebPagesPrivacyIcoLink'),
    para('WebPagesPrivacyIcoPhone'),

    para('WebPagesPrivacyUpdated', { Date: formatDate(PREPARED) }),
  ];
}

export function render({ path }) {
  const isPrivacy = path === '/privacy';
  return {
    title: t(isPrivacy ? 'WebPagesPrivacyTitle' : 'WebPagesA11yTitle'),
    node: h('div', { class: 'govuk-grid-row' },
      h('div', { class: 'govuk-grid-column-two-thirds app-pages' }, isPrivacy ? privacy() : accessibility())),
  };
}
