// Settings: the language (kept on the device, and on the account when
// signed in), how the council may reach the resident on each topic, and
// notifications on this device, which are asked for only when the resident
// presses the button.

import { LANGUAGES, lang, t, use } from '../i18n.js';
import { api, signedIn } from '../api.js';
import { choices, h, heading, input, inset, link, p, summaryList } from '../ui.js';
import { PushError, current, subscribe, supported, unsubscribe } from '../push.js';
import { flash, formView, frame, notFound, signInFirst } from './account-kit.js';

const TOPICS = { case_updates: 'CaseUpdates', tell_us_once: 'TellUsOnce', collection_reminders: 'Reminders', service_alerts: 'Alerts' };
const CHANNELS = { push: 'Push', email: 'Email', sms: 'Sms' };

export async function render(ctx) {
  const { app, params } = ctx;
  if (!params.section) return overview(app);
  if (params.section === 'language') return language(app);
  if (!['notifications', 'device'].includes(params.section)) return notFound();
  if (!signedIn()) return signInFirst(ctx);
  return params.section === 'device' ? device(app) : notifications(app);
}

const languageName = (code) => h('span', { lang: code }, LANGUAGES.find((l) => l.code === code).name);

async function overview(app) {
  const title = t('WebSettingsTitle');
  const rows = [{ key: t('WebSettingsLanguage'), value: languageName(lang()), href: '/settings/language' }];
  if (signedIn()) {
    const on = await current().catch(() => null);
    rows.push(
      { key: t('WebSettingsNotifications'), value: t('WebSettingsNotificationsValue'), href: '/settings/notifications' },
      { key: t('WebSettingsDevice'), value: on ? t('WebSettingsOn') : t('WebSettingsOff'), href: '/settings/device' },
    );
  }
  return {
    title,
    node: frame(null, flash(app), heading(title), summaryList(rows),
      signedIn() ? null : p(link('/sign-in?next=%2Fsettings', t('WebSettingsSignIn')), ' ', t('WebSettingsSignInWhy'))),
  };
}

function language(app) {
  const title = t('WebSettingsLanguageTitle');
  return formView({
    title,
    back: '/settings',
    label: t('WebSettingsSave'),
    draw: (err, v) => {
      const radios = choices({
        id: 'language', legend: title, pageHeading: true, hint: signedIn() ? t('WebSettingsLanguageHint') : null, error: err('language'),
        value: v.get('language', lang()), options: LANGUAGES.map((l) => ({ value: l.code, label: l.name })),
      });
      radios.querySelectorAll('.govuk-radios__label').forEach((l, i) => { l.lang = LANGUAGES[i].code; });
      return [radios];
    },
    submit: async (v) => {
      const code = v.get('language');
      if (!LANGUAGES.some((l) => l.code === code)) return [{ id: 'language', text: t('WebSettingsLanguageMissing') }];
      if (signedIn()) await api('/api/v1/me', { method: 'PATCH', body: { language: code } });
      await use(code);
      app.refreshFrame();
      app.flash = t('WebSettingsLanguageSaved');
      await app.navigate('/settings');
      return [];
    },
    fallback: 'language',
  });
}

async function notifications(app) {
  const prefs = await api('/api/v1/me/notifications');
  const title = t('WebSettingsNotificationsTitle');
  return formView({
    title,
    back: '/settings',
    label: t('WebSettingsSave'),
    before: [heading(title), p(t('WebSettingsNotificationsIntro'))],
    draw: (err, v) => [
      ...Object.entries(TOPICS).map(([topic, word]) => choices({
        kind: 'checkboxes', id: `topic-${topic}`, name: topic, small: true, error: err(`topic-${topic}`),
        legend: t(`WebSettingsTopic${word}`), hint: t(`WebSettingsTopic${word}Hint`), value: v.all(topic, prefs.topics[topic]),
        options: Object.entries(CHANNELS).map(([channel, cw]) => ({ value: channel, label: t(`WebSettingsChannel${cw}`) })),
      })),
      input({ id: 'areas', label: t('WebSettingsAreas'), hint: t('WebSettingsAreasHint'), error: err('areas'), value: v.get('areas', prefs.areas.join(', ')), spellcheck: 'false', autocomplete: 'off' }),
    ],
    submit: async (v) => {
      const body = {
        topics: Object.fromEntries(Object.keys(TOPICS).map((topic) => [topic, v.all(topic)])),
        areas: v.get('areas').split(/[\s,]+/).filter(Boolean),
      };
      await api('/api/v1/me/notifications', { method: 'PUT', body });
      app.flash = t('WebSettingsNotificationsSaved');
      await app.navigate('/settings');
      return [];
    },
    idOf: (ptr) => (ptr.startsWith('/topics/') ? `topic-${ptr.split('/')[2]}` : ptr.startsWith('/areas') ? 'areas' : null),
    fallback: 'topic-case_updates',
  });
}

async function device(app) {
  const title = t('WebSettingsDeviceTitle');
  if (!supported()) {
    return { title, node: frame('/settings', heading(title), p(t('WebSettingsPushUnsupported')), inset(t('WebSettingsPushUnsupportedHint'))) };
  }
  const on = !!(await current().catch(() => null));
  const live = h('p', { class: 'govuk-body', role: 'status', 'aria-live': 'polite' });
  return formView({
    title,
    back: '/settings',
    label: on ? t('WebSettingsTurnOff') : t('WebSettingsTurnOn'),
    buttonId: 'push',
    before: [flash(app), heading(title), p(on ? t('WebSettingsPushIsOn') : t('WebSettingsPushIsOff')), p(t('WebSettingsPushExplain')),
      Notification.permission === 'denied' ? inset(t('WebSettingsPushBlocked')) : null],
    draw: () => [live],
    submit: async () => {
      try {
        if (on) {
          await unsubscribe();
        } else {
          const asking = subscribe(); // first: the permission prompt must follow the press
          live.textContent = t('WebSettingsPushWorking');
          await asking;
        }
      } catch (e) {
        live.textContent = '';
        if (e instanceof PushError) return [{ id: 'push', text: t(`WebSettingsPushFail${e.reason[0].toUpperCase()}${e.reason.slice(1)}`) }];
        throw e;
      }
      app.flash = on ? t('WebSettingsPushTurnedOff') : t('WebSettingsPushTurnedOn');
      await app.navigate('/settings/device', { replace: true });
      return [];
    },
    fallback: 'push',
  });
}
