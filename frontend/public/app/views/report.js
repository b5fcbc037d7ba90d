// Report a problem or request a service: /report/<code> starts (or takes
// up) the draft, /report/<code>/<step> is one page of it. Steps are the
// form's questions (one per page), then nearby reports, contact details
// (when not signed in) and check your answers; after sending, the
// confirmation. See report-state.js for the draft and the order of steps.

import { ApiError, signedIn } from '../api.js';
import { t } from '../i18n.js';
import { h, heading, link, p } from '../ui.js';
import {
  after, before, contactDone, firstMissing, loadDraft, newDraft, parseStep, placeOf, prefill, saveDraft, service,
  stepOf, takeErrors, visible,
} from './report-state.js';
import { questionPage } from './report-questions.js';
import { addPage, checkPage, contactPage, nearbyCases, nearbyKey, nearbyPage } from './report-steps.js';
import { donePage, followingPage, queuedPage } from './report-end.js';

const ends = { done: donePage, queued: queuedPage, following: followingPage };
const steps = { check: checkPage, contact: contactPage, add: addPage, nearby: nearbyPage };

export async function render(ctx) {
  const { code, step } = ctx.params;
  if (ends[step]) return ends[step](ctx);
  let svc;
  try {
    svc = await service(code);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return notFound();
    throw e;
  }
  if (!svc.anonymous && !signedIn()) {
    const here = ctx.path + (ctx.query.toString() ? `?${ctx.query}` : '');
    return { redirect: `/sign-in?next=${encodeURIComponent(here)}` };
  }
  if (!svc.channels.includes('web')) {
    return { title: svc.name, node: h('div', {}, heading(svc.name), p(t('WebServicesNotOnline'))) };
  }
  let draft = loadDraft(code);
  if (!step) {
    draft ||= newDraft(code);
    prefill(draft, svc.form, ctx.query);
    saveDraft(code, draft);
    return { redirect: `/report/${code}/${stepOf(draft, 0, visible(svc.form, draft.items[0].answers)[0].id)}` };
  }
  if (!draft) return { redirect: `/report/${code}` }; // the draft is gone: start again
  const services = await Promise.all(draft.items.map((it) => service(it.service)));
  const rc = context(ctx, draft, services);
  const s = parseStep(draft, step);
  if (s?.reserved) return steps[s.reserved](rc);
  const q = s && services[s.item].form.questions.find((x) => x.id === s.qid);
  if (!q) return notFound();
  if (!visible(services[s.item].form, draft.items[s.item].answers).includes(q)) {
    return { redirect: rc.href(firstMissing(draft, services) || 'check') }; // not asked, given the answers
  }
  return questionPage(rc, s.item, q, takeErrors(code, step));
}

function notFound() {
  return { title: t('WebNotFoundTitle'), node: h('div', {}, heading(t('WebNotFoundTitle')), p(t('WebNotFoundBody')), p(link('/services', t('WebNavServices')))) };
}

// context is what every step needs: the draft and its services, links
// between steps, and where to go after an answer.
function context(ctx, draft, services) {
  const { code } = ctx.params;
  const rc = {
    ctx, code, draft, services, app: ctx.app,
    ret: ctx.query.get('return') === 'check', // a change from check your answers
    save: () => saveDraft(code, draft),
    stepOf: (i, qid) => stepOf(draft, i, qid),
    href(step, query) {
      const qs = query && Object.keys(query).length ? `?${new URLSearchParams(query)}` : '';
      return `${step.startsWith('/') ? step : `/report/${code}/${step}`}${qs}`;
    },
    backHref: (i, qid) => rc.href(rc.ret ? 'check' : before(draft, services, i, qid, code)),
    afterNearbyHref: () => rc.href(!signedIn() && !contactDone(draft) ? 'contact' : 'check'),

    // next moves on from question qid of item i.
    async next(i, qid) {
      if (rc.ret) {
        const missing = firstMissing(draft, services);
        return ctx.app.navigate(rc.href(missing || 'check', missing ? { return: 'check' } : null));
      }
      const n = after(draft, services, i, qid);
      return n ? ctx.app.navigate(rc.href(n)) : rc.endOfItem(i);
    },

    // endOfItem: before check your answers, open reports at the same place.
    async endOfItem(i) {
      const item = draft.items[i];
      const place = placeOf(item, services[i].form);
      if (place && item.nearby !== nearbyKey(place)) {
        try {
          if ((await nearbyCases(item.service, place)).length) return ctx.app.navigate(rc.href('nearby', { item: i }));
        } catch { /* offline or unwell: go on with the report */ }
      }
      return ctx.app.navigate(rc.afterNearbyHref());
    },
  };
  return rc;
}
