// The photo question: GOV.UK file upload, each photo made smaller on the
// phone and sent at once, or kept on the device while offline.

import { OfflineError } from '../api.js';
import { t } from '../i18n.js';
import { button, h } from '../ui.js';
import { resize, upload } from '../photo.js';
import { dropPhoto, keepPhoto } from '../outbox.js';
import { errorMessage, formPage } from './report-page.js';

export function photoPage(page) {
  const { rc, i, q, fid, item } = page;
  const max = q.max_length ?? 5;
  const list = () => item.answers[q.id] || [];
  const status = h('div', { class: 'govuk-body app-photo-status', role: 'status' });
  const gallery = h('ul', { class: 'app-photos', 'aria-label': t('WebReportPhotosList') });
  let working = Promise.resolve();
  let self = null;

  const remove = (n) => {
    const [gone] = list().splice(n, 1);
    if (gone?.local) dropPhoto(gone.local).catch(() => {});
    if (!list().length) delete item.answers[q.id];
    rc.save();
    drawGallery();
    status.textContent = t('WebReportPhotoRemoved');
    document.getElementById(fid)?.focus();
  };
  const drawGallery = () => {
    gallery.replaceChildren(...list().map((ph, n) => h('li', { class: 'app-photos__item' },
      h('img', { src: ph.thumb, alt: t('WebReportPhotoAlt', { Number: n + 1 }), class: 'app-photos__image' }),
      h('button', { type: 'button', class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0', onclick: () => remove(n) },
        t('WebReportRemove'), h('span', { class: 'govuk-visually-hidden' }, ` ${t('WebReportPhotoNumber', { Number: n + 1 })}`)))));
    gallery.hidden = list().length === 0;
  };

  const add = async (files) => {
    if (!files.length) return;
    if (files.length > max - list().length) {
      self.fail([{ id: fid, text: t('WebReportErrorPhotoCount', { Count: max }) }]);
      return;
    }
    status.textContent = t('WebReportPhotoAdding');
    const errors = [];
    let kept = false;
    for (const file of files) {
      const r = await resize(file);
      if (!r) { errors.push(t('WebReportErrorPhotoType')); continue; }
      const entry = { thumb: r.thumb };
      try {
        entry.id = await upload(r.blob);
      } catch (e) {
        if (!(e instanceof OfflineError)) { errors.push(e.message); continue; }
        entry.local = await keepPhoto(r.blob); // sent with the report, once online
        kept = true;
      }
      item.answers[q.id] = [...list(), entry];
      rc.save();
      drawGallery();
    }
    if (errors.length) {
      status.textContent = '';
      self.fail(errors.map((text) => ({ id: fid, text })));
    } else {
      status.textContent = t(kept ? 'WebReportPhotoKept' : 'WebReportPhotoAdded');
    }
  };

  drawGallery();
  self = formPage({
    title: q.label,
    back: rc.backHref(i, q.id),
    errors: page.serverErrors.map((text) => ({ id: fid, text })),
    build: (errs) => {
      const error = errs.get(fid);
      const described = [`${fid}-hint`, error && `${fid}-error`].filter(Boolean).join(' ');
      const picker = h('input', {
        class: `govuk-file-upload${error ? ' govuk-file-upload--error' : ''}`, id: fid, name: fid, type: 'file',
        accept: 'image/*', multiple: max > 1, 'aria-describedby': described,
      });
      picker.addEventListener('change', () => {
        const files = [...picker.files];
        picker.value = '';
        working = working.then(() => add(files));
      });
      return [
        page.caption,
        h('div', { class: `govuk-form-group${error ? ' govuk-form-group--error' : ''}` },
          h('h1', { class: 'govuk-label-wrapper' }, h('label', { class: 'govuk-label govuk-label--l', for: fid }, page.label)),
          h('div', { class: 'govuk-hint', id: `${fid}-hint` }, q.hint ? `${q.hint} ${t('WebReportPhotoSmaller')}` : t('WebReportPhotoLimit', { Count: max })),
          error ? errorMessage(fid, error) : null,
          picker),
        status,
        gallery,
        button(t('WebContinue')),
      ];
    },
    submit: async () => {
      await working;
      const n = list().length;
      if (q.required && !n) return [{ id: fid, text: t('WebReportErrorPhotoRequired') }];
      if (n > max) return [{ id: fid, text: t('WebReportErrorPhotoCount', { Count: max }) }];
      await rc.next(i, q.id);
      return null;
    },
  });
  return self;
}
