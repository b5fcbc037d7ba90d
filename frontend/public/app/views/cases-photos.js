// A case's photos. The API sends them only with the resident's Bearer token,
// which an <img> cannot send: so they are fetched as blobs and shown from
// object URLs.

import { authFetch } from '../api.js';
import { t } from '../i18n.js';
import { h } from '../ui.js';

async function load(ref, id) {
  try {
    const res = await authFetch(`/api/v1/cases/${ref}/photos/${encodeURIComponent(id)}`);
    return res.ok ? URL.createObjectURL(await res.blob()) : null;
  } catch {
    return null; // offline, or gone: the words stay in its place
  }
}

// photo is the nth photo of a case: its words until (or unless) it comes.
export function photo(ref, id, n) {
  const alt = t('WebCasesPhoto', { Number: n });
  const box = h('p', { class: 'govuk-body app-case-photo' }, alt);
  load(ref, id).then((url) => {
    if (!url) return;
    const img = h('img', { src: url, alt, class: 'app-case-photo__img' });
    img.addEventListener('load', () => URL.revokeObjectURL(url));
    box.replaceChildren(img);
  });
  return box;
}
