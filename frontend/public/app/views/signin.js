// Sign in (with a password, or a code sent to the resident) and create an
// account, one question per page. What an earlier step asked (the email or
// phone, a new password) is kept in this module only, never stored: a
// reload starts the journey again.

import { LANGUAGES, lang, t, use } from '../i18n.js';
import { api, signedIn, startSession } from '../api.js';
import { h, heading, input, inset, link, p } from '../ui.js';
import { flash, formView, pick, safeNext, submitAs } from './account-kit.js';

let pending = {}; // {contact: {email} or {phone}, shown, password}

// contactOf reads "an email address or a mobile number".
function contactOf(text) {
  if (text.includes('@')) return { email: text };
  if (/^\+?[\d\s()-]{7,}$/.test(text)) return { phone: text };
  return null;
}

const isEmail = () => 'email' in (pending.contact || {});
// shown is the contact as typed, kept apart from the sentence around it so
// that an address reads the right way in a right-to-left language.
const shown = () => `\u2068${pending.shown}\u2069`;

export async function render(ctx) {
  const { app, params, path, query } = ctx;
  const next = safeNext(query.get('next'));
  const q = next ? `?next=${encodeURIComponent(next)}` : '';
  const go = (to) => app.navigate(to + q);
  const done = async (tokens) => finish(app, tokens, next);
  const register = path.startsWith('/register');
  if (signedIn()) return { redirect: next || '/account' };
  const step = params.step || '';
  if (step && !pending.contact) return { redirect: (register ? '/register' : '/sign-in') + q };
  const pages = register
    ? { '': () => createAccount(app, go, q), verify: () => confirmContact(app, go, done, q) }
    : { '': () => askContact(app, go, q), password: () => askPassword(go, done, q), code: () => askCode(app, go, done, q) };
  return pages[step] ? pages[step]() : { redirect: `/sign-in${q}` };
}

// finish starts the session, speaks the account's language, and goes on.
async function finish(app, tokens, next) {
  startSession(tokens);
  pending = {};
  const me = await api('/api/v1/me').catch(() => null);
  if (me?.language && me.language !== lang()) {
    await use(me.language);
    app.refreshFrame();
  }
  await app.navigate(next || '/account', { replace: true });
}

async function sendCode() {
  await api('/api/v1/auth/codes', { method: 'POST', body: pending.contact });
}

function askContact(app, go, q) {
  const title = t('WebSignInTitle');
  return formView({
    title,
    before: [flash(app), heading(title)],
    draw: (err, v) => [
      input({ id: 'contact', label: t('WebSignInContact'), hint: t('WebSignInContactHint'), error: err('contact'), value: v.get('contact', pending.shown || ''), autocomplete: 'username', spellcheck: 'false' }),
    ],
    submit: (v) => {
      const contact = contactOf(v.get('contact'));
      if (!contact) return [{ id: 'contact', text: t('WebSignInContactMissing') }];
      pending = { contact, shown: v.get('contact') };
      go('/sign-in/password');
      return [];
    },
    after: [h('h2', { class: 'govuk-heading-m' }, t('WebSignInNoAccount')), p(link(`/register${q}`, t('WebSignInCreateLink')))],
  });
}

function askPassword(go, done, q) {
  const title = t('WebSignInPasswordTitle');
  return formView({
    title,
    back: `/sign-in${q}`,
    label: t('WebSignInButton'),
    draw: (err) => [
      input({ id: 'password', type: 'password', label: title, pageHeading: true, hint: t('WebSignInPasswordHint', { Contact: shown() }), error: err('password'), autocomplete: 'current-password' }),
    ],
    actions: [submitAs(t('WebSignInUseCode'), 'code'), link(`/sign-in${q}`, t('WebSignInNotYou'))],
    submit: async (v, action) => {
      if (action !== '') {
        await sendCode();
        go('/sign-in/code');
        return [];
      }
      if (!v.raw('password')) return [{ id: 'password', text: t('WebSignInPasswordMissing') }];
      await done(await api('/api/v1/auth/login', { method: 'POST', body: { ...pending.contact, password: v.raw('password') } }));
      return [];
    },
    idOf: pick({ password: 'password' }),
    fallback: 'password',
  });
}

function codeField(err) {
  return input({ id: 'code', label: t('WebSignInCode'), hint: t('WebSignInCodeHint'), error: err('code'), inputmode: 'numeric', autocomplete: 'one-time-code', width: 5, spellcheck: 'false' });
}

function askCode(app, go, done, q) {
  const title = isEmail() ? t('WebSignInCheckEmail') : t('WebSignInCheckPhone');
  return formView({
    title,
    back: `/sign-in/password${q}`,
    label: t('WebSignInButton'),
    before: [flash(app), heading(title), p(t('WebSignInCodeSent', { Contact: shown() }))],
    draw: (err) => [codeField(err)],
    actions: [submitAs(t('WebSignInResend'), 'resend')],
    submit: async (v, action) => {
      if (action !== '') {
        await sendCode();
        app.flash = t('WebSignInResent');
        go('/sign-in/code');
        return [];
      }
      if (!/^\d{6}$/.test(v.get('code').replace(/\s/g, ''))) return [{ id: 'code', text: t('WebSignInCodeMissing') }];
      await done(await api('/api/v1/auth/codes/verify', { method: 'POST', body: { ...pending.contact, code: v.get('code').replace(/\s/g, '') } }));
      return [];
    },
    idOf: pick({ code: 'code' }),
    fallback: 'code',
  });
}

function createAccount(app, go, q) {
  const title = t('WebSignInCreateTitle');
  const language = LANGUAGES.find((l) => l.code === lang()).name;
  return formView({
    title,
    back: `/sign-in${q}`,
    label: t('WebSignInCreateButton'),
    before: [heading(title)],
    draw: (err, v) => [
      input({ id: 'name', label: t('WebSignInName'), error: err('name'), value: v.get('name'), autocomplete: 'name', spellcheck: 'false' }),
      input({ id: 'contact', label: t('WebSignInContact'), hint: t('WebSignInNewContactHint'), error: err('contact'), value: v.get('contact'), autocomplete: 'username', spellcheck: 'false' }),
      input({ id: 'password', type: 'password', label: t('WebSignInNewPassword'), hint: t('WebSignInNewPasswordHint'), error: err('password'), autocomplete: 'new-password' }),
      inset(t('WebSignInLanguageNote', { Language: language })),
    ],
    submit: async (v) => {
      const contact = contactOf(v.get('contact'));
      const errors = [];
      if (!v.get('name')) errors.push({ id: 'name', text: t('WebSignInNameMissing') });
      if (!contact) errors.push({ id: 'contact', text: t('WebSignInContactMissing') });
      if (errors.length) return errors;
      const password = v.raw('password');
      await api('/api/v1/auth/register', { method: 'POST', body: { name: v.get('name'), ...contact, password: password || undefined, language: lang() } });
      pending = { contact, shown: v.get('contact'), password };
      go('/register/verify');
      return [];
    },
    idOf: pick({ name: 'name', email: 'contact', phone: 'contact', password: 'password' }),
    fallback: 'contact',
  });
}

function confirmContact(app, go, done, q) {
  const title = isEmail() ? t('WebSignInCheckEmail') : t('WebSignInCheckPhone');
  return formView({
    title,
    back: `/register${q}`,
    before: [heading(title), p(t('WebSignInConfirmSent', { Contact: shown() }))],
    draw: (err) => [codeField(err)],
    after: [p(t('WebSignInConfirmMissing'), ' ', link(`/register${q}`, t('WebSignInStartAgain')))],
    submit: async (v) => {
      const code = v.get('code').replace(/\s/g, '');
      if (!/^\d{6}$/.test(code)) return [{ id: 'code', text: t('WebSignInCodeMissing') }];
      await api('/api/v1/auth/verify', { method: 'POST', body: { ...pending.contact, code } });
      if (pending.password) {
        await done(await api('/api/v1/auth/login', { method: 'POST', body: { ...pending.contact, password: pending.password } }));
        return [];
      }
      // No password: signing in takes a code, and a confirmed contact can get one.
      await sendCode();
      app.flash = t('WebSignInConfirmedCodeSent');
      go('/sign-in/code');
      return [];
    },
    idOf: pick({ code: 'code' }),
    fallback: 'code',
  });
}
