// The kiosk's own pages (issue 7): enrolling a terminal once with the code
// staff were given (/kiosk/enrol), the start screen (/kiosk), signing in
// with a one-time code (/kiosk/sign-in, no password on a shared keyboard)
// and continuing on the resident's phone with a QR code (/kiosk/phone).
// The frame around them, and the session, are app/kiosk-mode.js's.

import { ApiError, api } from '../api.js';
import { LANGUAGES, lang, t } from '../i18n.js';
import { banner, button, caption, h, heading, inset, input, lead, link, p, warning } from '../ui.js';
import { switchLanguage } from '../main.js';
import * as kiosk from '../kiosk-mode.js';
import { flash, formView, pick, safeNext, submitAs } from './account-kit.js';

const DEVICE = 'fd.device';
let pending = null; // {contact: {email} or {phone}, shown}: this page's memory only

export function render(ctx) {
  const step = ctx.params.step || '';
  const enrolled = !!localStorage.getItem(DEVICE);
  if (step === 'enrol') return enrolled ? { redirect: '/kiosk' } : enrolPage(ctx);
  if (!enrolled) return { redirect: '/kiosk/enrol' };
  if (!step) return kiosk.live() ? { redirect: '/' } : startPage(ctx);
  if (!kiosk.live()) return { redirect: '/kiosk' };
  if (step === 'sign-in') return kiosk.isSignedIn() ? { redirect: next(ctx) } : askContact(ctx);
  if (step === 'code' && pending) return askCode(ctx);
  if (step === 'code') return { redirect: `/kiosk/sign-in${query(ctx)}` };
  if (step === 'phone') return phonePage(ctx);
  return { redirect: '/kiosk' };
}

const next = (ctx) => safeNext(ctx.query.get('next')) || '/account';
const query = (ctx) => (ctx.query.get('next') ? `?next=${encodeURIComponent(ctx.query.get('next'))}` : '');

// enrolPage trades the enrolment code (typed, or typed by a scanner) for
// the terminal's credential, which stays on it; then the start screen, on
// a fresh document that runs in kiosk mode.
function enrolPage(ctx) {
  const title = t('WebKioskEnrolTitle');
  document.documentElement.classList.add('app-kiosk'); // a terminal's screen, though not yet one
  return formView({
    title,
    before: [
      ctx.query.get('revoked') ? banner(t('WebKioskEnrolRevoked'), null) : null,
      heading(title), p(t('WebKioskEnrolLead')),
    ],
    label: t('WebKioskEnrolButton'),
    draw: (err, v) => [input({
      id: 'code', label: t('WebKioskEnrolCode'), hint: t('WebKioskEnrolCodeHint'), error: err('code'), value: v.get('code'),
      width: 10, spellcheck: 'false', autocomplete: 'off', attrs: { autocapitalize: 'characters' },
    })],
    submit: async (v) => {
      const code = v.get('code');
      if (!code) return [{ id: 'code', text: t('WebKioskEnrolMissing') }];
      const res = await fetch('/api/v1/kiosk/devices', {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Accept-Language': lang() }, body: JSON.stringify({ code }),
      });
      const data = await res.json().catch(() => null);
      if (!res.ok) throw new ApiError(res.status, data);
      localStorage.setItem(DEVICE, data.device_token);
      location.replace('/kiosk');
      return [];
    },
    idOf: pick({ code: 'code' }),
    fallback: 'code',
  });
}

const ENDED = { finish: 'WebKioskEndedFinish', idle: 'WebKioskEndedIdle', phone: 'WebKioskEndedPhone', ended: 'WebKioskEndedOther' };

// startPage: where the terminal is, what a person can do, and in which
// language. Each choice starts a session for them.
function startPage(ctx) {
  const where = kiosk.place();
  const ended = ENDED[ctx.query.get('ended')];
  const title = t('WebKioskStartTitle');
  const said = h('div', { role: 'alert' });
  const start = async (path) => {
    try {
      await kiosk.begin(path);
    } catch (e) {
      console.warn('kiosk: start', e);
      said.replaceChildren(warning(t('WebKioskStartFailed')));
    }
  };
  const choice = (id, text, hint, path) => h('li', {},
    h('button', { type: 'button', id, class: 'govuk-button app-kiosk-choice', onclick: () => start(path) },
      h('span', { class: 'app-kiosk-choice__title' }, text),
      h('span', { class: 'app-kiosk-choice__hint' }, hint)));
  const node = h('div', { class: 'app-kiosk-start' },
    ended ? banner(t(ended), t('WebKioskEndedBody'), { success: true }) : null,
    where ? caption(where.location.name) : null,
    heading(title, 'xl'),
    lead(t('WebKioskStartLead')),
    said,
    h('ul', { class: 'govuk-list app-kiosk-choices' },
      choice('kiosk-report', t('WebStartReport'), t('WebStartReportHint'), '/services'),
      choice('kiosk-track', t('WebStartTrack'), t('WebStartTrackHint'), '/track'),
      choice('kiosk-sign-in', t('WebKioskStartSignIn'), t('WebKioskStartSignInHint'), '/kiosk/sign-in'),
      choice('kiosk-phone', t('WebKioskStartPhone'), t('WebKioskStartPhoneHint'), '/kiosk/phone')),
    h('h2', { class: 'govuk-heading-m' }, t('WebKioskStartLanguage')),
    h('ul', { class: 'govuk-list app-kiosk-languages' }, LANGUAGES.map((l) => h('li', {},
      h('button', {
        type: 'button', class: 'govuk-button govuk-button--secondary', lang: l.code, 'aria-pressed': String(l.code === lang()),
        onclick: () => switchLanguage(l.code),
      }, l.name)))),
    inset(t('WebKioskStartShared')),
    where ? h('p', { class: 'govuk-body-s' }, where.location.address) : null);
  return {
    title,
    node,
    after: () => {
      // The last person's "ended" message goes after a while.
      if (ended) setTimeout(() => { if (location.pathname === '/kiosk') history.replaceState(null, '', '/kiosk'); node.querySelector('.govuk-notification-banner')?.remove(); }, 60000);
      return false;
    },
  };
}

const shown = () => `\u2068${pending.shown}\u2069`;

// askContact: the email address or mobile number to send a code to.
function askContact(ctx) {
  const title = t('WebKioskSignInTitle');
  return formView({
    title,
    before: [flash(ctx.app), heading(title), p(t('WebKioskSignInLead'))],
    draw: (err, v) => [input({
      id: 'contact', label: t('WebSignInContact'), hint: t('WebSignInContactHint'), error: err('contact'),
      value: v.get('contact', pending?.shown || ''), spellcheck: 'false', autocomplete: 'off',
    })],
    submit: async (v) => {
      const text = v.get('contact');
      const contact = text.includes('@') ? { email: text } : /^\+?[\d\s()-]{7,}$/.test(text) ? { phone: text } : null;
      if (!contact) return [{ id: 'contact', text: t('WebSignInContactMissing') }];
      await kiosk.sendCode(contact);
      pending = { contact, shown: text };
      ctx.app.navigate(`/kiosk/code${query(ctx)}`);
      return [];
    },
    idOf: pick({ email: 'contact', phone: 'contact' }),
    fallback: 'contact',
    after: [inset(t('WebKioskSignInNoAccount'))],
  });
}

// askCode: the six digits sent; the session becomes the resident's.
function askCode(ctx) {
  const title = 'email' in pending.contact ? t('WebSignInCheckEmail') : t('WebSignInCheckPhone');
  return formView({
    title,
    back: `/kiosk/sign-in${query(ctx)}`,
    label: t('WebSignInButton'),
    before: [flash(ctx.app), heading(title), p(t('WebSignInCodeSent', { Contact: shown() }))],
    draw: (err) => [input({
      id: 'code', label: t('WebSignInCode'), hint: t('WebSignInCodeHint'), error: err('code'), inputmode: 'numeric', autocomplete: 'off', width: 5, spellcheck: 'false',
    })],
    actions: [submitAs(t('WebSignInResend'), 'resend')],
    submit: async (v, action) => {
      if (action === 'resend') {
        await kiosk.sendCode(pending.contact);
        ctx.app.flash = t('WebSignInResent');
        ctx.app.navigate(`/kiosk/code${query(ctx)}`, { replace: true });
        return [];
      }
      const code = v.get('code').replace(/\s/g, '');
      if (!/^\d{6}$/.test(code)) return [{ id: 'code', text: t('WebSignInCodeMissing') }];
      await kiosk.signIn(pending.contact, code);
      pending = null;
      const me = await api('/api/v1/me').catch(() => null);
      if (me?.language && me.language !== lang()) await switchLanguage(me.language);
      await ctx.app.navigate(next(ctx), { replace: true });
      return [];
    },
    idOf: pick({ code: 'code' }),
    fallback: 'code',
  });
}

const time = (iso) => new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : lang(), { hour: 'numeric', minute: '2-digit', timeZone: 'Europe/London' }).format(new Date(iso));

// phonePage shows a one-time link to the journey as a QR code. When the
// phone opens it the session here ends, and kiosk-mode wipes the screen.
async function phonePage(ctx) {
  const title = t('WebKioskPhoneTitle');
  const back = kiosk.journeyPath();
  const handed = await kiosk.handOff();
  const holder = h('div', {});
  const expired = () => holder.replaceChildren(
    heading(t('WebKioskPhoneExpired'), 'm', 'h2'),
    button(t('WebKioskPhoneAgain'), { type: 'button', onclick: () => ctx.app.navigate('/kiosk/phone', { replace: true }) }));
  holder.append(
    h('img', { class: 'app-kiosk-qr', src: handed.qr, alt: t('WebKioskPhoneAlt'), width: 296, height: 296 }),
    p(t('WebKioskPhoneAddress')),
    h('p', { class: 'govuk-body app-kiosk-url', dir: 'ltr' }, handed.url),
    p(t('WebKioskPhoneExpires', { Time: time(handed.expires_at) })));
  setTimeout(() => { if (holder.isConnected) expired(); }, Date.parse(handed.expires_at) - Date.now());
  return {
    title,
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      heading(title), lead(t('WebKioskPhoneScan')),
      warning(t('WebKioskPhoneEnds')),
      kiosk.isSignedIn() ? p(t('WebKioskPhoneSignedIn')) : null,
      holder,
      p(link(back, t('WebKioskPhoneStay'))))),
    after: () => {
      kiosk.pollSoon();
      return false;
    },
  };
}
