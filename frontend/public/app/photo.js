// Photos are made smaller on the phone before they are sent: at most
// 1600 pixels on the longer side, as a JPEG, which is plenty for the team
// and keeps a report quick to send on a poor connection. Drawing the photo
// again also drops what the camera wrote into the file (its location).

import { api } from './api.js';

const LONG_SIDE = 1600;
const QUALITY = 0.8;
const THUMB = 240;

// decode reads an image file the browser understands (turned upright, as
// the camera meant it); null when it is not one.
async function decode(file) {
  if ('createImageBitmap' in window) {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch { /* not an image, or a browser without the option: try an <img> */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } catch {
    return null;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function draw(src, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; // a transparent PNG turns white, not black
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(src, 0, 0, width, height);
  return canvas;
}

// fit scales width×height down so the longer side is at most limit.
function fit(width, height, limit) {
  const scale = Math.min(1, limit / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

// resize returns {blob (JPEG), width, height, thumb (a small data: URL to
// show on the page)}, or null when the file is not a picture.
export async function resize(file) {
  const img = await decode(file);
  if (!img) return null;
  let src = img;
  let [w, h] = [img.width, img.height];
  const [tw, th] = fit(w, h, LONG_SIDE);
  // Halve in steps: one big jump down blurs fine detail into noise.
  while (w / 2 >= tw && h / 2 >= th) {
    [w, h] = [Math.round(w / 2), Math.round(h / 2)];
    src = draw(src, w, h);
  }
  const canvas = draw(src, tw, th);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
  const thumb = draw(canvas, ...fit(tw, th, THUMB)).toDataURL('image/jpeg', 0.7);
  img.close?.();
  return blob ? { blob, width: tw, height: th, thumb } : null;
}

// upload sends one resized photo (POST /api/v1/attachments): its id.
export async function upload(blob) {
  const fd = new FormData();
  fd.append('file', blob, 'photo.jpg');
  return (await api('/api/v1/attachments', { method: 'POST', body: fd })).id;
}
