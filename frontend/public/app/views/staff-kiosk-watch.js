// One kiosk session as the member of staff helping sees it
// (/staff/kiosk/:id): where the join stands, the resident's screen as it
// changes (from the session's event stream), filling in a step on it, the
// resident's record once they allow it, and ending the session.

import { ApiError, api } from '../api.js';
import { lang, t } from '../i18n.js';
import { backLink, button, caption, errorSummary, h, heading, input, p, summaryList, textarea } from '../ui.js';
import { listen } from '../sse.js';
import { select } from './report-page.js';
import { askToJoin, joinText, mayAsk, refused, someone, staffOnly } from './staff-kiosk.js';

let current = null; // the open page's stream: one at a time

// Leaving the page closes its stream.
document.addEventListener('fd:rendered', (ev) => {
  if (current && ev.detail.path !== current.path) { current.close(); current = null; }
});

const time = (iso) => new Intl.DateTimeFormat(lang() === 'en' ? 'en-GB' : lang(), {
  hour: 'numeric', minute: '2-digit', second: '2-digit', timeZone: 'Europe/London',
}).format(new Date(iso || Date.now()));

export async function render({ app, params, path }) {
  current?.close();
  current = null;
  const id = params.id;
  const base = `/api/v1/staff/kiosk/sessions/${encodeURIComponent(id)}`;
  let sess;
  try {
    sess = await api(base);
  } catch (e) {
    if (refused(e)) return staffOnly();
    if (e instanceof ApiError && e.status === 404) {
      const title = t('WebNotFoundTitle');
      return { title, node: h('div', {}, backLink('/staff/kiosk'), heading(title), p(t('WebNotFoundBody'))) };
    }
    throw e;
  }
  const st = { sess, ended: !sess.live, watching: false, screen: null, names: '' };

  // What is happening: one sentence, read out as it changes, and a log.
  const status = h('p', { class: 'govuk-body govuk-!-font-weight-bold', role: 'status' });
  const log = h('ul', { class: 'govuk-list app-assist-log' });
  const note = (text) => log.prepend(h('li', {}, h('span', { class: 'app-assist-log__time' }, time()), ' ', text));
  const askButton = button(t('WebAssistAskJoin'), { type: 'button', onclick: async () => {
    askButton.disabled = true;
    try {
      await askToJoin(app, id, true); // draws this page again, watching
    } catch (e) {
      askButton.disabled = false;
      oops(e);
    }
  } });
  const problem = h('div', {});
  const oops = (e) => {
    problem.replaceChildren(errorSummary([{ id: 'status', text: e.message }]));
    problem.firstChild.focus();
  };

  // Their screen.
  const screen = h('div', {});
  const drawScreen = () => {
    const sc = st.screen;
    if (!sc) { screen.replaceChildren(p(t('WebAssistScreenNone'))); return; }
    const fields = Object.entries(sc.fields || {});
    screen.replaceChildren(
      summaryList([
        { key: t('WebAssistScreenPage'), value: sc.title || '–' },
        { key: t('WebAssistScreenAddress'), value: h('span', { dir: 'ltr' }, sc.path) },
      ]),
      p(t('WebAssistScreenUpdated', { Time: time(sc.at) })),
      fields.length
        ? summaryList(fields.map(([k, v]) => ({ key: h('span', { dir: 'ltr' }, k), value: v === '' ? h('span', { class: 'app-assist-empty' }, t('WebAssistEmpty')) : v })))
        : p(t('WebAssistScreenNoFields')));
  };

  // Fill in a step: a field of their screen, and what to put in it.
  const sent = h('p', { class: 'govuk-body', role: 'status' });
  const fieldSelect = select({ id: 'fill-field', label: t('WebAssistFillField'), options: [] });
  const fill = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    const f = fill.elements['fill-field'].value;
    if (!f) return;
    sent.textContent = '';
    try {
      const r = await api(`${base}/input`, { method: 'POST', body: { field: f, value: fill.elements['fill-value'].value } });
      sent.textContent = r.delivered > 0 ? t('WebAssistFillSent') : t('WebAssistFillMissed');
    } catch (e) {
      oops(e);
    }
  } }, fieldSelect, textarea({ id: 'fill-value', label: t('WebAssistFillValue'), hint: t('WebAssistFillHint'), rows: 3 }),
  button(t('WebAssistFillSend')), sent);
  const fillNotYet = p(t('WebAssistFillNotYet'));
  const drawFill = () => {
    const names = Object.keys(st.screen?.fields || {});
    const key = names.join('\n');
    if (key !== st.names) {
      st.names = key;
      const sel = fill.elements['fill-field'];
      const was = sel.value;
      sel.replaceChildren(...names.map((n) => h('option', { value: n, selected: n === was }, n)));
    }
    const can = !st.ended && st.watching && st.sess.join?.state === 'confirmed' && names.length > 0;
    fill.hidden = !can;
    fillNotYet.hidden = can;
  };

  // Their record: once they signed in, or agreed (then staff say whose).
  const record = h('div', {});
  const who = input({ id: 'resident', label: t('WebAssistRecordResident'), hint: t('WebAssistRecordResidentHint'), spellcheck: 'false' });
  const lookUp = button(t('WebAssistRecordButton'), { type: 'button', secondary: true, onclick: async () => {
    const q = st.sess.signed_in ? '' : `?resident=${encodeURIComponent(who.querySelector('input').value.trim())}`;
    try {
      drawRecord(await api(`${base}/record${q}`));
    } catch (e) {
      record.replaceChildren(errorSummary([{ id: 'record-look-up', text: e instanceof ApiError && e.problem.title ? `${e.problem.title}. ${e.message}` : e.message }]));
      record.firstChild.focus();
    }
  } });
  lookUp.id = 'record-look-up';
  const drawRecord = (c) => {
    const name = [c.name?.given, c.name?.family].filter(Boolean).join(' ') || c.name?.preferred || '';
    const none = t('WebAssistRecordNone');
    const a = c.addresses?.[0];
    record.replaceChildren(summaryList([
      { key: t('WebAssistRecordName'), value: name || none },
      { key: t('WebAssistRecordEmail'), value: c.contacts?.emails?.map((e) => e.address).join(', ') || none },
      { key: t('WebAssistRecordPhone'), value: h('span', { dir: 'ltr' }, c.contacts?.phones?.map((x) => x.number).join(', ') || none) },
      { key: t('WebAssistRecordAddress'), value: a ? [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ') : none },
    ]));
  };
  const allowed = () => !st.ended && st.sess.join?.state === 'confirmed' && (st.sess.signed_in || st.sess.consent);
  const drawAllowed = () => {
    lookUp.disabled = !allowed();
    lookUp.setAttribute('aria-disabled', String(lookUp.disabled));
    who.hidden = st.sess.signed_in || !allowed();
  };

  // Ending it, for the resident.
  const end = button(t('WebAssistEnd'), { type: 'button', warning: true, onclick: async () => {
    st.byMe = true; // the stream may say it has ended before the answer comes
    try {
      await api(`${base}/end`, { method: 'POST' });
      ended();
    } catch (e) {
      st.byMe = false;
      oops(e);
    }
  } });

  const drawStatus = () => {
    const j = st.sess.join;
    let text = joinText(j);
    if (st.ended) text = t('WebAssistStatusEnded');
    else if (j?.state === 'pending' && st.watching) text = t('WebAssistStatusPending');
    else if (j?.state === 'confirmed' && st.watching) text = t(st.sess.guided ? 'WebAssistStatusGuided' : 'WebAssistStatusConfirmed');
    else if (j?.state === 'declined') text = t('WebAssistStatusDeclined');
    else if (st.refused) text = `${text} ${t('WebAssistStatusNotJoined')}`;
    status.textContent = text;
    askButton.hidden = st.ended || !mayAsk(st.sess);
    end.hidden = st.ended;
    drawFill();
    drawAllowed();
  };
  const ended = () => {
    if (st.ended) return;
    st.ended = true;
    st.close?.();
    note(st.byMe ? t('WebAssistEndedByYou') : t('WebAssistStatusEnded'));
    drawStatus();
  };

  const onEvent = (name, data) => {
    if (name !== 'screen') st.heard = (st.heard || 0) + 1;
    if (name === 'screen') {
      st.screen = data;
      drawScreen();
      drawFill();
    } else if (name === 'join') {
      st.sess.join = { ...st.sess.join, state: data.state, staff_name: data.staff_name || st.sess.join?.staff_name };
      note(data.state === 'confirmed' ? t('WebAssistStatusConfirmed') : data.state === 'declined' ? t('WebAssistStatusDeclined') : joinText(st.sess.join));
      drawStatus();
    } else if (name === 'consent') {
      st.sess.consent = true;
      note(t('WebAssistStatusConsent'));
      drawStatus();
    } else if (name === 'signed-in') {
      st.sess.signed_in = true;
      note(t('WebAssistStatusSignedIn'));
      drawStatus();
    } else if (name === 'ended') {
      ended();
    }
  };

  const title = t('WebAssistWatchTitle');
  drawScreen();
  drawStatus();
  if (!st.ended && st.sess.join && st.sess.join.state !== 'declined') {
    const stream = listen(`/api/v1/kiosk/sessions/${encodeURIComponent(id)}/stream`, {
      onEvent,
      // On each connection, where things stand: events sent while the
      // stream was away are not sent again.
      onOpen: async () => {
        st.watching = true;
        drawStatus();
        const heard = st.heard;
        const now = await api(base).catch(() => null);
        if (!now || st.closed || st.heard !== heard) return; // an event since is newer
        Object.assign(st.sess, { join: now.join, consent: now.consent, signed_in: now.signed_in });
        if (!now.live) ended();
        drawStatus();
      },
      onStop: (code, prob) => {
        st.watching = false;
        if (prob?.type?.endsWith('kiosk-session-ended') || code === 404) ended();
        else if (code) st.refused = true;
        drawStatus();
      },
    });
    st.close = () => { st.closed = true; stream.close(); };
    current = { path, close: st.close };
  }

  return {
    title,
    node: h('div', { class: 'govuk-grid-row app-assist-console' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      backLink('/staff/kiosk'),
      problem,
      caption(sess.location.name),
      heading(title),
      h('div', { class: 'govuk-inset-text', id: 'status', tabindex: '-1' }, status, askButton),
      h('h2', { class: 'govuk-heading-m' }, t('WebAssistScreenTitle')),
      screen,
      h('h2', { class: 'govuk-heading-m' }, t('WebAssistFillTitle')),
      fillNotYet, fill,
      h('h2', { class: 'govuk-heading-m' }, t('WebAssistRecordTitle')),
      p(t('WebAssistRecordHint')),
      who, lookUp, record,
      h('h2', { class: 'govuk-heading-m' }, t('WebAssistEndTitle')),
      p(t('WebAssistEndHint')), end,
      h('h2', { class: 'govuk-heading-m' }, t('WebAssistLogTitle')),
      log)),
  };
}
