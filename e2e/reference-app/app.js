// Reference implementation of chat-stream's e2e DOM contract in ~100 lines of plain JS.
// NOT the product: it exists only so the e2e suite itself can be checked without the Rust app
// (`node e2e/run.mjs --reference`). placeholder.wasm is an empty module that satisfies the
// suite's "is there a build?" check.
const q = new URLSearchParams(location.search);
const endpoint = (q.get('endpoint') || 'http://127.0.0.1:8787/v1').replace(/\/$/, '');
const model = q.get('model') || 'mock-happy';
const stream = q.get('stream') !== 'false';
const h = (tag, attrs = {}, text) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text != null) e.textContent = text; return e; };
await new Promise((r) => setTimeout(r, 200)); // pretend wasm init
const chat = h('div', { 'data-testid': 'chat', 'data-state': 'idle' });
const msgs = h('div');
const prompt = h('textarea', { 'data-testid': 'prompt' });
const send = h('button', { 'data-testid': 'send' }, 'Send');
const stop = h('button', { 'data-testid': 'stop' }, 'Stop');
const key = h('input', { 'data-testid': 'api-key', type: 'password' });
const status = h('div');
const stats = h('div');
const log = h('ol', { 'data-testid': 'chunk-log' });
chat.append(msgs, prompt, send, stop, key, status, stats, log);
document.body.append(chat);
const history = [];
let ctl = null;
const setState = (s) => chat.setAttribute('data-state', s);
function showError(m) { status.replaceChildren(h('div', { 'data-testid': 'error' }, m)); setState('error'); }
function stat(name, v) { let e = stats.querySelector(`[data-testid=${name}]`); if (!e) { e = h('span', { 'data-testid': name }); stats.append(e); } e.setAttribute('data-value', String(Math.round(v))); e.textContent = `${name}: ${Math.round(v)} `; }
prompt.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); go(); } });
send.addEventListener('click', () => go());
stop.addEventListener('click', () => { if (ctl) { ctl.abort(); ctl = null; setState('stopped'); } });
async function go() {
  const text = prompt.value; if (!text.trim()) return; prompt.value = '';
  status.replaceChildren(); log.replaceChildren(); stats.replaceChildren();
  msgs.append(h('div', { 'data-testid': 'message-user', class: 'msg' }, text));
  const a = h('div', { 'data-testid': 'message-assistant', class: 'msg' }, ''); msgs.append(a);
  history.push({ role: 'user', content: text });
  setState('waiting');
  const my = (ctl = new AbortController());
  const t0 = performance.now();
  const headers = { 'content-type': 'application/json' };
  if (key.value) headers.authorization = `Bearer ${key.value}`;
  const body = { model, messages: history, stream };
  if (stream) body.stream_options = { include_usage: true };
  let answer = '';
  try {
    const res = await fetch(`${endpoint}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body), signal: my.signal });
    if (!res.ok) { let m = `HTTP ${res.status}`; try { m = (await res.json()).error.message || m; } catch {} return showError(m); }
    if (!stream) { const j = await res.json(); answer = j.choices[0].message.content; a.textContent = answer; stat('stat-total-ms', performance.now() - t0); stat('stat-first-token-ms', performance.now() - t0); stat('stat-first-chunk-ms', performance.now() - t0); stat('stat-chunks', 1); return setState('done'); }
    const reader = res.body.getReader(); const dec = new TextDecoder();
    let buf = '', data = [], chunks = 0, firstTok = false, finished = false, done = false, lastCR = false;
    const dispatch = () => { if (!data.length) return; const d = data.join('\n'); data = []; if (d === '[DONE]') { done = true; return; } let j; try { j = JSON.parse(d); } catch { return; } if (j.error) throw Object.assign(new Error(j.error.message || String(j.error)), { inband: true }); for (const c of j.choices || []) { if (c.delta && c.delta.content) { if (!firstTok) { firstTok = true; stat('stat-first-token-ms', performance.now() - t0); setState('streaming'); } answer += c.delta.content; a.textContent = answer; } if (c.finish_reason) finished = true; } };
    const line = (l) => { if (l === '') return dispatch(); if (l.startsWith(':')) return; const i = l.indexOf(':'); const f = i < 0 ? l : l.slice(0, i); let v = i < 0 ? '' : l.slice(i + 1); if (v.startsWith(' ')) v = v.slice(1); if (f === 'data') data.push(v); };
    while (!done) {
      const { value, done: eof } = await reader.read();
      if (eof) break;
      chunks++; const ms = performance.now() - t0; if (chunks === 1) stat('stat-first-chunk-ms', ms); stat('stat-chunks', chunks);
      log.append(h('li', { 'data-testid': 'chunk-row', 'data-ms': ms.toFixed(1) }, `${ms.toFixed(1)} ms, ${value.length} B`));
      buf += dec.decode(value, { stream: true });
      let m;
      while ((m = /\r\n|\r|\n/.exec(buf))) { if (lastCR && m.index === 0 && m[0] === '\n') { buf = buf.slice(1); lastCR = false; continue; } lastCR = false; if (m[0] === '\r' && m.index + 1 === buf.length) lastCR = true; line(buf.slice(0, m.index)); buf = buf.slice(m.index + m[0].length); }
    }
    if (done) await reader.cancel().catch(() => {});
    stat('stat-total-ms', performance.now() - t0);
    if (!done && !finished) return showError('Stream incomplete: ended without [DONE]');
    history.push({ role: 'assistant', content: answer }); setState('done');
  } catch (e) {
    if (my.signal.aborted) return; // stopped
    if (e.inband) return showError(e.message);
    showError(`Stream incomplete: ${e.message}`);
  } finally { if (ctl === my) ctl = null; }
}
