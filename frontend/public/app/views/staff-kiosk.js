// The staff console of the kiosks (/staff/kiosk): the sessions running on
// the council's terminals now, by location; asking to join one (the
// resident answers on their screen); starting a guided session on a free
// staff-assisted terminal. One session's page (/staff/kiosk/:id) is in
// staff-kiosk-watch.js. Staff sign in on /sign-in as residents do.

import { ApiError, api, signedIn } from '../api.js';
import { formatDateTime, t } from '../i18n.js';
import { button, errorSummary, h, heading, link, p } from '../ui.js';
import { select } from './report-page.js';

export async function render(ctx) {
  if (!signedIn()) {
    return { redirect: `/sign-in?next=${encodeURIComponent(ctx.path + (ctx.query.size ? `?${ctx.query}` : ''))}` };
  }
  if (ctx.params.id) return (await import('./staff-kiosk-watch.js')).render(ctx);
  return list(ctx);
}

// staffOnly is the page for someone signed in who is not staff.
export function staffOnly() {
  const title = t('WebAssistStaffOnlyTitle');
  return { title, node: h('div', {}, heading(title), p(t('WebAssistStaffOnlyBody'))) };
}

export const refused = (e) => e instanceof ApiError && (e.status === 401 || e.status === 403);

// someone is the member of staff a join names, kept in one piece inside a
// sentence of any direction.
export const someone = (join) => (join?.staff_name ? `\u2068${join.staff_name}\u2069` : t('WebAssistSomeone'));

// joinText says where a session's help stands.
export function joinText(join) {
  const Name = someone(join);
  switch (join?.state) {
    case 'pending': return t('WebAssistJoinPending', { Name });
    case 'confirmed': return t('WebAssistJoinConfirmed', { Name });
    case 'declined': return t('WebAssistJoinDeclined', { Name });
    default: return t('WebAssistJoinNone');
  }
}

// mayAsk says whether a member of staff may ask to join: no one helps yet.
export const mayAsk = (sess) => !sess.join || sess.join.state === 'declined';

// askToJoin asks, then opens the session's page.
export async function askToJoin(app, id, replace = false) {
  await api(`/api/v1/staff/kiosk/sessions/${encodeURIComponent(id)}/join`, { method: 'POST' });
  await app.navigate(`/staff/kiosk/${encodeURIComponent(id)}`, { replace });
}

function card(title, rows, actions) {
  return h('div', { class: 'govuk-summary-card' },
    h('div', { class: 'govuk-summary-card__title-wrapper' },
      h('h3', { class: 'govuk-summary-card__title' }, title),
      h('ul', { class: 'govuk-summary-card__actions' }, actions.filter(Boolean).map((a) => h('li', { class: 'govuk-summary-card__action' }, a)))),
    h('div', { class: 'govuk-summary-card__content' },
      h('dl', { class: 'govuk-summary-list' }, rows.map(([k, v]) => h('div', { class: 'govuk-summary-list__row' },
        h('dt', { class: 'govuk-summary-list__key' }, k), h('dd', { class: 'govuk-summary-list__value' }, v))))));
}

async function list({ app, query }) {
  const where = query.get('location') || '';
  let sessions; let terminals;
  try {
    [sessions, terminals] = await Promise.all([
      api(`/api/v1/staff/kiosk/sessions${where ? `?location=${encodeURIComponent(where)}` : ''}`),
      api('/api/v1/staff/kiosk/devices'),
    ]);
  } catch (e) {
    if (refused(e)) return staffOnly();
    throw e;
  }
  const title = t('WebAssistConsoleTitle');
  const names = new Map(terminals.items.map((d) => [d.id, d.name]));
  const places = [...new Set(terminals.items.map((d) => d.location.name))].sort();
  const problem = h('div', {});
  // act runs a button's request; a refusal shows above the list.
  const act = (fn) => async (ev) => {
    ev.target.disabled = true;
    try {
      await fn();
    } catch (e) {
      ev.target.disabled = false;
      problem.replaceChildren(errorSummary([{ id: 'sessions', text: e.message }]));
      problem.firstChild.focus();
    }
  };
  const filter = h('form', { novalidate: true, class: 'app-assist-filter', onsubmit: (ev) => {
    ev.preventDefault();
    const v = ev.target.elements.location.value;
    app.navigate(`/staff/kiosk${v ? `?location=${encodeURIComponent(v)}` : ''}`);
  } },
  select({ id: 'location', label: t('WebAssistLocation'), value: where,
    options: [{ value: '', label: t('WebAssistAllLocations') }, ...places.map((n) => ({ value: n, label: n }))] }),
  button(t('WebAssistShow'), { secondary: true }));

  const sessionCards = sessions.items.map((s) => {
    const name = names.get(s.device_id) || s.location.name;
    const hidden = h('span', { class: 'govuk-visually-hidden' }, ` (${name})`);
    return card(name, [
      [t('WebAssistLocation'), s.location.name],
      [t('WebAssistStarted'), formatDateTime(s.started_at)],
      [t('WebAssistResident'), s.signed_in ? t('WebAssistSignedIn') : t('WebAssistAnonymous')],
      [t('WebAssistHelp'), joinText(s.join)],
    ], [
      mayAsk(s) ? h('button', { type: 'button', class: 'govuk-button govuk-button--secondary app-assist-card-button', onclick: act(() => askToJoin(app, s.session_id)) }, t('WebAssistAskJoin'), hidden.cloneNode(true)) : null,
      link(`/staff/kiosk/${encodeURIComponent(s.session_id)}`, [t('WebAssistOpen'), hidden]),
    ]);
  });
  const free = terminals.items.filter((d) => d.profile === 'assisted' && !d.session && (!where || d.location.name === where));
  const start = (d) => act(async () => {
    const sess = await api(`/api/v1/staff/kiosk/devices/${encodeURIComponent(d.id)}/sessions`, { method: 'POST' });
    await app.navigate(`/staff/kiosk/${encodeURIComponent(sess.session_id)}`);
  });

  return {
    title,
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      problem,
      heading(title),
      p(t('WebAssistConsoleIntro')),
      filter,
      h('h2', { class: 'govuk-heading-m', id: 'sessions', tabindex: '-1' }, t('WebAssistSessionsTitle')),
      sessionCards.length ? sessionCards : p(t('WebAssistNoSessions')),
      button(t('WebAssistRefresh'), { type: 'button', secondary: true, onclick: () => app.navigate(location.pathname + location.search, { replace: true }) }),
      h('h2', { class: 'govuk-heading-m' }, t('WebAssistTerminalsTitle')),
      p(t('WebAssistTerminalsIntro')),
      free.length
        ? free.map((d) => card(d.name, [[t('WebAssistLocation'), d.location.name]], [
          h('button', { type: 'button', class: 'govuk-button app-assist-card-button', onclick: start(d) },
            t('WebAssistStartGuided'), h('span', { class: 'govuk-visually-hidden' }, ` (${d.name})`)),
        ]))
        : p(t('WebAssistNoTerminals')))),
  };
}
