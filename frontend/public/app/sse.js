// A small reader of Server-Sent Events over fetch, so that the request can
// carry the session's Authorization header (EventSource cannot). It keeps
// the connection open: when the server closes it (a token's expiry, a
// restart) or the network drops, it comes back after the server's retry
// time, waiting longer after each failure, and not at all while offline.

import { authFetch } from './api.js';

const QUIET = 45000; // the server writes at least every 15 s: this much silence is a dead connection
const MAX_WAIT = 30000;

// listen opens path's event stream and calls onEvent(name, data) for each
// event (data parsed as JSON when it is JSON). onOpen() runs on each
// (re)connection; onStop(status, problem) once, when the stream will not
// be reopened: the server refused it (4xx) or close() was called (status 0).
// An event named in final (by default "ended") is the last: the reader
// stops after it. listen returns {close()}.
export function listen(path, { onEvent, onOpen = () => {}, onStop = () => {}, final = ['ended'] }) {
  let stopped = false;
  let ctrl = null;
  let retry = 3000;
  let failures = 0;
  let timer = 0;

  const stop = (status, problem) => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    ctrl?.abort();
    window.removeEventListener('online', wake);
    onStop(status, problem);
  };

  function wake() {
    if (!stopped && !ctrl) { clearTimeout(timer); connect(); }
  }

  const again = () => {
    ctrl = null;
    if (stopped) return;
    if (!navigator.onLine) return; // the online event reconnects
    failures += 1;
    const wait = Math.min(MAX_WAIT, retry * 2 ** Math.min(failures - 1, 4)) * (0.8 + Math.random() * 0.4);
    timer = setTimeout(connect, wait);
  };

  async function connect() {
    ctrl = new AbortController();
    const mine = ctrl;
    let quiet = 0;
    const alive = () => { clearTimeout(quiet); quiet = setTimeout(() => mine.abort(), QUIET); };
    try {
      const res = await authFetch(path, { headers: { Accept: 'text/event-stream' }, cache: 'no-store', signal: mine.signal });
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        const problem = await res.json().catch(() => ({}));
        stop(res.status, problem);
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
      failures = 0;
      alive();
      onOpen();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        alive();
        buf += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (dispatch(block)) { clearTimeout(quiet); stop(0); return; }
        }
      }
    } catch (e) {
      if (stopped) return;
      if (e.name !== 'AbortError') console.warn('stream', e.message);
    } finally {
      clearTimeout(quiet);
    }
    again();
  }

  // dispatch reads one event block; it says whether it was the final one.
  function dispatch(block) {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') name = v;
      else if (field === 'data') data.push(v);
      else if (field === 'retry' && /^\d+$/.test(v)) retry = Number(v);
    }
    if (!data.length) return false;
    let payload = data.join('\n');
    try { payload = JSON.parse(payload); } catch { /* plain text */ }
    try { onEvent(name, payload); } catch (e) { console.error(e); }
    return final.includes(name);
  }

  window.addEventListener('online', wake);
  connect();
  return { close: () => stop(0) };
}
