// Your account: a task list of what the council holds about the resident
// and what they can do with it. Each section's pages are a module of their
// own (account-*.js), loaded when first opened.

import { LANGUAGES, formatDate, lang, t } from '../i18n.js';
import { api, signOut, signedIn } from '../api.js';
import { button, caption, h, heading, taskList } from '../ui.js';
import { flash, frame, notFound, signInFirst } from './account-kit.js';

const sections = {
  details: 'account-details',
  addresses: 'account-details',
  services: 'account-links',
  link: 'account-links',
  unlink: 'account-links',
  change: 'account-change',
  changes: 'account-change',
};

export async function render(ctx) {
  if (!signedIn()) return signInFirst(ctx);
  const { section } = ctx.params;
  if (!section) return overview(ctx.app);
  if (!sections[section]) return notFound();
  const mod = await import(`./${sections[section]}.js`);
  return mod.render(ctx);
}

// displayName is the name to greet someone by.
export function displayName(name = {}) {
  return name.preferred || [name.given, name.family].filter(Boolean).join(' ');
}

async function overview(app) {
  const [me, links, changes] = await Promise.all([
    api('/api/v1/me'), api('/api/v1/me/links'), api('/api/v1/me/changes'),
  ]);
  const current = (me.addresses || []).find((a) => !a.valid_to);
  const complete = !!(displayName(me.name) && me.date_of_birth);
  const linked = links.items.length;
  const last = changes.items[0];
  const title = t('WebAccountTitle');
  const signOutButton = button(t('WebAccountSignOut'), {
    secondary: true,
    type: 'button',
    onclick: async () => {
      await signOut();
      app.flash = t('WebAccountSignedOut');
      app.navigate('/sign-in');
    },
  });
  return {
    title,
    node: frame(null, flash(app),
      caption(displayName(me.name)), heading(title),
      h('h2', { class: 'govuk-heading-m' }, t('WebAccountRecordHeading')),
      taskList([
        { title: t('WebAccountDetails'), href: '/account/details', hint: t('WebAccountDetailsHint'), status: complete ? t('WebAccountComplete') : t('WebAccountIncomplete'), done: complete },
        { title: t('WebAccountAddresses'), href: '/account/addresses', hint: current ? `${current.line1}, ${current.postcode}` : null, status: current ? t('WebAccountComplete') : t('WebAccountNotStarted'), done: !!current },
        { title: t('WebAccountServices'), href: '/account/services', hint: t('WebAccountServicesHint'), status: linked ? t('WebAccountLinkedCount', { Count: linked }) : t('WebAccountNoneLinked'), done: linked > 0 },
      ]),
      h('h2', { class: 'govuk-heading-m' }, t('WebAccountDoHeading')),
      taskList([
        { title: t('WebAccountTellChange'), href: '/account/change', hint: t('WebAccountTellChangeHint'), status: '', done: true },
        { title: t('WebAccountPastChanges'), href: '/account/changes', hint: last ? t('WebAccountLastChange', { Date: formatDate(last.created_at) }) : null, status: '', done: true },
        { title: t('WebAccountRequests'), href: '/cases', hint: t('WebAccountRequestsHint'), status: '', done: true },
        { title: t('WebAccountSettings'), href: '/settings', hint: t('WebAccountSettingsHint'), status: LANGUAGES.find((l) => l.code === lang()).name, done: true },
      ]),
      signOutButton),
  };
}
