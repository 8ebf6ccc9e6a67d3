// A HOSTILE scripted OpenAI-compatible server for chat-stream's end-to-end tests.
//
// Where mock-server.mjs is a well-behaved server with real delays, this one does everything a real
// server, proxy or network does wrong: bytes split anywhere (inside UTF-8 characters, inside CRLF
// pairs, inside the BOM), CR-only lines, keep-alive comments, missing [DONE] / finish_reason, bodies
// cut mid-event, in-band errors in every shape, junk payloads, HTTP errors with HTML pages, JSON
// instead of SSE, gzip, redirects, CORS refusals, silence, floods with no newline, and untrusted
// markup (XSS payloads) in every place text can come from.
//
//   import { startHostileServer, TEXT } from './hostile-server.mjs';
//   const srv = await startHostileServer({ port: 0 });  // -> { url, port, baseUrl, log, reset(), close(), find() }
//
//   node e2e/hostile-server.mjs --port 8788 [--host 127.0.0.1]
//
// It speaks the three protocols by path (`…/chat/completions`, `…/responses`, `…/messages`): the
// scenarios built from `events()` (and the byte-split, in-band error and HTTP 401 ones) are
// written in the protocol of the path with protocol-wire.mjs; the others stay Chat Completions.
// In the typed protocols a finish without the terminal event (`hostile-finish-no-done`) is an
// incomplete answer: only `response.completed` / `message_stop` end their streams.
//
// The scenario is chosen by the request body's `model` (`hostile-<name>`, see SCENARIOS) or, for
// what must be decided before any body is seen (CORS preflights), by a path prefix:
// `/s/<scenario>/v1/chat/completions` (the app's endpoint is then `${url}/s/<scenario>/v1`).
//
// Routes:
//   OPTIONS *                                 CORS preflight (reflects Origin), except the CORS scenarios
//   GET  /v1/models                           the scenario names
//   POST [/s/<scenario>]/v1/chat/completions  the scripted completion
//   POST [/s/<scenario>]/v1/responses         the same in the OpenAI Responses API
//   POST [/s/<scenario>]/v1/messages          the same in the Anthropic Messages API
//   POST /redirected/v1/chat/completions      target of hostile-redirect
//   GET  /__log, POST /__reset                the request log (below) / clear it
//
// LogEntry: { id, method, path, url, headers, authorization, body, rawBody, model, scenario, stream,
//             t, tEnd, status, aborted, completed, dropped, bytesSent, writes, firstWriteAt,
//             lastWriteAt, marks }
//   aborted     the CLIENT closed the connection before the response was complete (Stop, cancel)
//   dropped     the SERVER destroyed the socket on purpose
//   completed   the response was sent in full
//   bytesSent   body bytes handed to the socket (before compression for gzip: see marks.gzipBytes)
//   marks       scenario-specific epoch-ms marks (e.g. marks.lastEventAt, marks.commentsSent)

import http from 'node:http';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { listen, parseArgs } from './server-util.mjs';
import { ALLOWED_HEADERS, Wire, errorBody, protocolOfPath } from './protocol-wire.mjs';

// ---------------------------------------------------------------------------------------------
// Texts. Every answer is one line of plain words (no markdown markup), so the exact assertions on
// the assistant's textContent stay valid when the UI renders markdown.

/** Deltas of each streaming scenario; the expected text is their concatenation. */
export const DELTAS = {
  'hostile-byte-split': ['你好', ', split', ' at every', ' byte 👍', ' ok'],
  'hostile-cr-only': ['Carriage', ' returns', ' only, 你好'],
  'hostile-crlf-split': ['CRLF', ' split', ' across', ' writes 👍'],
  'hostile-bom-split': ['BOM', ' first,', ' then text'],
  'hostile-bom-whole': ['BOM', ' in one', ' write'],
  'hostile-comments-first': ['After', ' the', ' comments,', ' the answer'],
  'hostile-finish-no-done': ['Finished', ' without', ' DONE'],
  'hostile-no-finish-no-done': ['Cut', ' short', ' without', ' a finish'],
  'hostile-cut-mid-event': ['Text', ' before', ' the cut'],
  'hostile-inband-openai': ['Partial', ' answer,', ' 你好'],
  'hostile-inband-string': ['Partial', ' answer,', ' 你好'],
  'hostile-inband-vllm': ['Partial', ' answer,', ' 你好'],
  'hostile-inband-event': ['Partial', ' answer,', ' 你好'],
  'hostile-inband-llamacpp': ['Partial', ' answer,', ' 你好'],
  'hostile-junk': ['Junk', ' lines', ' are', ' skipped'],
  'hostile-odd-chunks': ['Odd', ' chunk', ' shapes', ' are fine'],
  'hostile-charset': ['Charset', ' in the', ' content type'],
  'hostile-no-content-type': ['No', ' content', ' type', ' at all'],
  'hostile-slow-headers': ['Headers', ' came', ' late'],
  'hostile-gzip': ['Compressed', ' but', ' still', ' streamed,', ' 你好', ' 👍', ' one', ' two', ' three', ' four'],
  'hostile-redirect': ['Redirected', ' and', ' streamed'],
  'hostile-idle': ['Then', ' the server', ' went quiet'],
  'hostile-no-newline': ['Kept', ' before', ' the flood'],
  'hostile-event-too-large': ['Kept', ' before', ' the big event'],
  'hostile-silent-mid-event': ['Half', ' an', ' answer'],
  'hostile-endless-event': ['Before', ' the', ' endless event'],
  'hostile-cors-no-acao': ['Should', ' never', ' be seen'],
  'hostile-cors-no-auth-header': ['Should', ' never', ' be seen'],
  'hostile-cors-preflight-fail': ['Should', ' never', ' be seen'],
  'hostile-plain': ['A', ' plain', ' answer,', ' 你好 👍'],
};
/** Expected answer text of each streaming scenario. */
export const TEXT = Object.fromEntries(Object.entries(DELTAS).map(([k, v]) => [k, v.join('')]));
TEXT['hostile-json-ignores-stream'] = 'A whole answer as JSON, 你好';
/** Text the server sends AFTER an in-band error frame: must never be shown. */
export const AFTER_ERROR_TEXT = ' SHOULD NOT APPEAR';

/** 2 MiB of plain words (ASCII + CJK), one event. */
export const HUGE_DELTA_TEXT = (() => {
  const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet,', '你好', 'consectetur', 'adipiscing', 'elit.', 'world'];
  const parts = [];
  let bytes = 0;
  for (let i = 0; bytes < 2 * 1024 * 1024; i++) {
    const w = (i === 0 ? '' : ' ') + words[i % words.length] + (i % 97 === 0 ? String(i) : '');
    parts.push(w);
    bytes += Buffer.byteLength(w);
  }
  return parts.join('');
})();
export const MANY_DELTAS_COUNT = 20_000;
export const MANY_DELTAS = Array.from({ length: MANY_DELTAS_COUNT }, (_, i) => (i === 0 ? 't0' : ` t${i}`));
TEXT['hostile-huge-delta'] = HUGE_DELTA_TEXT;
TEXT['hostile-many-deltas'] = MANY_DELTAS.join('');

/** Messages of the error scenarios, as the server sends them. */
export const ERRORS = {
  'hostile-inband-openai': 'The model crashed while generating, 你好.',
  'hostile-inband-string': 'Upstream provider returned 502',
  'hostile-inband-vllm': "This model's maximum context length is 4096 tokens.",
  'hostile-inband-event': 'Overloaded',
  'hostile-inband-llamacpp': 'the request exceeds the available context size',
  'hostile-http-401': 'Invalid API Key',
  'hostile-http-429': 'Rate limit reached for requests',
  'hostile-http-500-html': 'The upstream server crashed.',
  'hostile-http-400-vllm': "This model's maximum context length is 2048 tokens. However, you requested 5000 tokens.",
};
export const RETRY_AFTER_SECS = 7;
export const HTML_500_PAGE =
  '<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title>\n' +
  '<style>body { font-family: sans-serif; color: #b00; } .box { margin: 2em }</style></head>\n' +
  '<body><div class="box"><h1>Internal Server Error</h1>\n<p>The upstream server crashed.</p>\n' +
  '<hr><address>nginx/1.25.3</address></div></body></html>\n';

// ---------------------------------------------------------------------------------------------
// Untrusted markup. Every payload either sets window.__pwned or calls alert() if it ever runs.

export const XSS_PAYLOADS = [
  '<script>window.__pwned=1;alert(1)</script>',
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '<svg onload="window.__pwned=1;alert(1)"></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:window.__pwned=1;alert(1)">js link</a>',
  '<details open ontoggle="window.__pwned=1;alert(1)">d</details>',
];
export const XSS_MD_LINKS = [
  '[click](javascript:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[vb](vbscript:msgbox(1))',
  '![img](javascript:alert(1))',
];
export const XSS_ALL = [...XSS_PAYLOADS, ...XSS_MD_LINKS];
export const XSS_HTML_500_PAGE =
  '<html><head><title>Oops</title><script>window.__pwned=1;alert(1)</script></head>' +
  '<body><h1>Server exploded</h1><img src=x onerror="window.__pwned=1;alert(1)">' +
  '<svg onload="alert(1)"></svg><a href="javascript:alert(1)">retry</a></body></html>';

// ---------------------------------------------------------------------------------------------

export const SCENARIOS = [
  ...Object.keys(DELTAS),
  'hostile-json-ignores-stream',
  'hostile-huge-delta',
  'hostile-many-deltas',
  'hostile-http-401',
  'hostile-http-429',
  'hostile-http-500-html',
  'hostile-http-503-empty',
  'hostile-http-400-vllm',
  'hostile-silent-headers',
  'hostile-xss-content',
  'hostile-xss-code-fence',
  'hostile-xss-reasoning',
  'hostile-xss-think',
  'hostile-xss-inband-error',
  'hostile-xss-event-error',
  'hostile-xss-http-500',
  'hostile-xss-http-401',
  'hostile-echo-nothing',
];
const DEFAULT_SCENARIO = 'hostile-plain';

const FIRST_CHUNK_MS = 60;
const DELTA_GAP_MS = 30;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function corsHeaders(req) {
  return { 'access-control-allow-origin': req.headers.origin || '*', vary: 'Origin' };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** One SSE event: `data: <payload><eol><eol>`. */
export const sse = (obj, eol = '\n') => `data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}${eol}${eol}`;

export async function startHostileServer({ port = 0, host = '127.0.0.1', quiet = true } = {}) {
  const log = [];
  let nextId = 1;
  const timers = new Set();

  function makeSession(req, res, entry) {
    let closed = false;
    const waiters = new Set();
    res.on('close', () => {
      closed = true;
      for (const w of waiters) w();
      waiters.clear();
    });
    // Where body bytes go: the response, or a gzip stream piped into it.
    let sink = res;
    const s = {
      get closed() {
        return closed || res.destroyed;
      },
      wait(ms) {
        if (s.closed) return Promise.resolve(false);
        return new Promise((resolve) => {
          const done = () => {
            clearTimeout(timer);
            timers.delete(timer);
            waiters.delete(done);
            resolve(!s.closed);
          };
          const timer = setTimeout(done, ms);
          timers.add(timer);
          waiters.add(done);
        });
      },
      /** Waits for 'drain' (backpressure) or the close; false once closed. */
      drain() {
        if (s.closed) return Promise.resolve(false);
        return new Promise((resolve) => {
          const done = () => {
            waiters.delete(done);
            sink.off('drain', done);
            resolve(!s.closed);
          };
          waiters.add(done);
          sink.once('drain', done);
        });
      },
      /** Writes one piece as its own chunk; false if the connection is gone. */
      write(piece) {
        if (s.closed) return false;
        const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece, 'utf8');
        const now = Date.now();
        entry.firstWriteAt ??= now;
        entry.lastWriteAt = now;
        entry.writes += 1;
        entry.bytesSent += buf.length;
        s.ok = sink.write(buf);
        return true;
      },
      /** Each byte of `data` as its own write, `gap` ms apart. */
      async writeBytes(data, gap = 1) {
        const buf = Buffer.from(data, 'utf8');
        for (let i = 0; i < buf.length; i++) {
          if (!s.write(buf.subarray(i, i + 1))) return false;
          if (!(await s.wait(gap))) return false;
        }
        return true;
      },
      end() {
        if (!s.closed) sink.end();
      },
      useGzip() {
        const gz = zlib.createGzip({ level: 6 });
        entry.marks.gzipBytes = 0;
        gz.on('data', (c) => (entry.marks.gzipBytes += c.length));
        gz.pipe(res);
        sink = gz;
        return gz;
      },
    };
    return s;
  }

  function meta(entry) {
    return {
      id: `chatcmpl-hostile${entry.id}`,
      object: 'chat.completion.chunk',
      created: Math.floor(entry.t / 1000),
      model: entry.model || DEFAULT_SCENARIO,
      system_fingerprint: 'fp_hostile',
    };
  }
  const chunk = (entry, delta, finishReason = null, extra = {}) => ({
    ...meta(entry),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  });

  function startSse(req, res, entry, { contentType = 'text/event-stream', cors = true, extra = {} } = {}) {
    entry.status = 200;
    const headers = {
      ...(cors ? corsHeaders(req) : {}),
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...extra,
    };
    if (contentType != null) headers['content-type'] = contentType;
    res.writeHead(200, headers);
    res.flushHeaders();
  }

  function sendJson(req, res, entry, status, obj, extra = {}) {
    const body = Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
    entry.status = status;
    res.writeHead(status, {
      ...corsHeaders(req),
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
      ...extra,
    });
    res.end(body);
  }

  function sendRaw(req, res, entry, status, body, contentType, extra = {}) {
    const buf = Buffer.from(body, 'utf8');
    entry.status = status;
    const headers = { ...corsHeaders(req), 'content-length': buf.length, 'cache-control': 'no-store', ...extra };
    if (contentType) headers['content-type'] = contentType;
    res.writeHead(status, headers);
    res.end(buf);
  }

  /**
   * The well-formed stream events of `deltas`: role chunk, one chunk per delta, finish chunk
   * (unless `finish: false`), [DONE] (unless `done: false`).
   */
  function events(entry, deltas, { finish = true, done = true, eol = '\n', doneText = '[DONE]' } = {}) {
    if (entry.protocol !== 'chat') return wire(entry, eol).events(deltas, { finish, done });
    const out = [sse(chunk(entry, { role: 'assistant', content: '' }), eol)];
    for (const d of deltas) out.push(sse(chunk(entry, { content: d }), eol));
    if (finish) out.push(sse(chunk(entry, {}, 'stop'), eol));
    if (done) out.push(sse(doneText, eol));
    return out;
  }

  /** The writer of the request's protocol. */
  const wire = (entry, eol = '\n') => new Wire(entry.protocol, { id: `hostile${entry.id}`, model: entry.model || DEFAULT_SCENARIO, eol });

  /** Writes each event as its own chunk with delays; false once the client has gone. */
  async function writeEvents(s, evs, { first = FIRST_CHUNK_MS, gap = DELTA_GAP_MS, entry } = {}) {
    if (first && !(await s.wait(first))) return false;
    for (let i = 0; i < evs.length; i++) {
      if (i > 0 && gap && !(await s.wait(gap))) return false;
      if (!s.write(evs[i])) return false;
      if (entry) entry.marks.lastEventAt = Date.now();
    }
    return true;
  }

  /** Stays silent (connection open) until the client goes or `ms` pass, then ends. */
  async function silence(s, ms = 60_000) {
    await s.wait(ms);
    s.end();
  }

  async function handleCompletion(req, res, entry, pathScenario) {
    const raw = await readBody(req);
    entry.rawBody = raw.toString('utf8');
    let body = null;
    try {
      body = JSON.parse(entry.rawBody);
    } catch {
      return sendJson(req, res, entry, 400, {
        error: { message: 'Invalid JSON in request body.', type: 'invalid_request_error', param: null, code: null },
      });
    }
    entry.body = body;
    const model = typeof body?.model === 'string' ? body.model : '';
    const scenario = pathScenario || (SCENARIOS.includes(model) ? model : DEFAULT_SCENARIO);
    Object.assign(entry, { model, scenario, stream: body?.stream === true });

    const s = makeSession(req, res, entry);
    res.socket?.setNoDelay(true);
    const D = DELTAS[scenario];

    switch (scenario) {
      // ----- decoding -------------------------------------------------------------------------
      case 'hostile-byte-split': {
        // Every byte its own write, including inside 你, 好 and 👍 (and inside "\n\n").
        startSse(req, res, entry);
        if (!(await s.wait(FIRST_CHUNK_MS))) return;
        // A compact chunk shape keeps the stream short (~500 bytes, ~1 s at 1 byte per ~2 ms).
        const compact = (delta, fr = null) => sse({ choices: [{ index: 0, delta, finish_reason: fr }] });
        const all = entry.protocol === 'chat'
          ? [compact({ role: 'assistant', content: '' }), ...D.map((d) => compact({ content: d })), compact({}, 'stop'), sse('[DONE]')].join('')
          : events(entry, D).join('');
        if (!(await s.writeBytes(all, 1))) return;
        return s.end();
      }
      case 'hostile-cr-only': {
        // CR-only line endings, and `data:[DONE]` without the space.
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { eol: '\r', doneText: '[DONE]' }).map((e, i, a) =>
          i === a.length - 1 && entry.protocol === 'chat' ? 'data:[DONE]\r\r' : e)))) return;
        return s.end();
      }
      case 'hostile-crlf-split': {
        // CRLF everywhere, and every CR|LF pair split across two writes: `…\r` | `\n\r` | `\n`.
        startSse(req, res, entry);
        if (!(await s.wait(FIRST_CHUNK_MS))) return;
        for (const ev of events(entry, D, { eol: '\r\n' })) {
          const body = ev.slice(0, -4); // without \r\n\r\n
          for (const piece of [`${body}\r`, '\n\r', '\n']) {
            if (!s.write(piece)) return;
            if (!(await s.wait(8))) return;
          }
        }
        return s.end();
      }
      case 'hostile-bom-split':
      case 'hostile-bom-whole': {
        // A UTF-8 BOM, then at once the first CONTENT event: if the BOM is not stripped, the
        // first field is "\uFEFFdata" (ignored) and "BOM" is lost.
        startSse(req, res, entry);
        if (!(await s.wait(FIRST_CHUNK_MS))) return;
        const bom = Buffer.from([0xef, 0xbb, 0xbf]);
        const w = entry.protocol === 'chat' ? null : wire(entry);
        const first = Buffer.from(w ? [...w.start(), ...w.text(D[0])].join('') : sse(chunk(entry, { role: 'assistant', content: D[0] })));
        if (scenario === 'hostile-bom-split') {
          if (!s.write(bom.subarray(0, 1))) return;
          if (!(await s.wait(15))) return;
          if (!s.write(Buffer.concat([bom.subarray(1), first]))) return;
        } else if (!s.write(Buffer.concat([bom, first]))) return;
        const rest = w
          ? [...D.slice(1).map((d) => w.text(d).join('')), w.finish('stop').join(''), w.done().join('')]
          : events(entry, D.slice(1)).slice(1);
        if (!(await writeEvents(s, rest, { first: DELTA_GAP_MS }))) return;
        return s.end();
      }
      case 'hostile-comments-first': {
        // `: OPENROUTER PROCESSING` every 300 ms for ~2.1 s before the first token.
        startSse(req, res, entry);
        entry.marks.commentsSent = 0;
        for (let i = 0; i < 7; i++) {
          if (i > 0 && !(await s.wait(300))) return;
          if (!s.write(': OPENROUTER PROCESSING\n\n')) return;
          entry.marks.commentsSent += 1;
          entry.marks.lastCommentAt = Date.now();
        }
        if (!(await s.wait(300))) return;
        entry.marks.answerAt = Date.now();
        if (!(await writeEvents(s, events(entry, D), { first: 0 }))) return;
        return s.end();
      }
      case 'hostile-junk': {
        // `data: null`, `data: : keepalive` and a `data` line with no colon between the deltas.
        startSse(req, res, entry);
        const ev = events(entry, D);
        const junk = ['data: null\n\n', 'data: : keepalive\n\n', 'data\n\n'];
        // role, Junk, null, lines, ": keepalive", are, data, skipped, stop, DONE
        const seq = [ev[0], ev[1], junk[0], ev[2], junk[1], ev[3], junk[2], ev[4], ev[5], ev[6]];
        if (!(await writeEvents(s, seq))) return;
        return s.end();
      }
      case 'hostile-odd-chunks': {
        // Field guide c11/c24/c26: Azure's choices:[] filter chunk first, delta:{}, content:null,
        // finish_reason:"", a choice with index 1 (n>1), usage-only chunk, usage:null everywhere.
        startSse(req, res, entry);
        const m = meta(entry);
        const seq = [
          sse({ id: '', object: '', created: 0, model: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }], choices: [] }),
          sse({ ...m, choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: '' }], usage: null }),
          sse({ ...m, choices: [{ index: 0, delta: {}, finish_reason: null }] }),
          sse({ ...m, choices: [{ index: 0, delta: { content: D[0] }, finish_reason: '' }], usage: null }),
          sse({ ...m, choices: [{ index: 1, delta: { content: ' OTHER CHOICE' }, finish_reason: null }] }),
          sse({ ...m, choices: [{ index: 0, delta: { content: D[1] } }] }),
          sse({ ...m, choices: [{ index: 0, delta: { content: null, role: 'assistant' } }] }),
          sse({ ...m, choices: [{ index: 0, delta: { content: D[2] }, content_filter_results: {} }] }),
          sse({ ...m, choices: [{ index: 0, delta: { content: D[3] }, finish_reason: 'stop' }] }),
          sse({ ...m, choices: [], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } }),
          sse('[DONE]'),
        ];
        if (!(await writeEvents(s, seq))) return;
        return s.end();
      }
      case 'hostile-charset': {
        startSse(req, res, entry, { contentType: 'text/event-stream; charset=utf-8' });
        if (!(await writeEvents(s, events(entry, D)))) return;
        return s.end();
      }
      case 'hostile-no-content-type': {
        startSse(req, res, entry, { contentType: null });
        if (!(await writeEvents(s, events(entry, D)))) return;
        return s.end();
      }
      case 'hostile-json-ignores-stream': {
        // stream:true asked, a whole chat.completion as application/json answered.
        if (!(await s.wait(300))) return;
        return sendJson(req, res, entry, 200, {
          id: `chatcmpl-hostile${entry.id}`,
          object: 'chat.completion',
          created: Math.floor(entry.t / 1000),
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: TEXT[scenario] }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
        });
      }
      case 'hostile-gzip': {
        // Content-Encoding: gzip, flushed with Z_SYNC_FLUSH after every event, 100 ms apart.
        startSse(req, res, entry, { extra: { 'content-encoding': 'gzip' } });
        const gz = s.useGzip();
        const flush = () => new Promise((r) => gz.flush(zlib.constants.Z_SYNC_FLUSH, r));
        const evs = events(entry, D);
        if (!(await s.wait(FIRST_CHUNK_MS))) return;
        for (let i = 0; i < evs.length; i++) {
          if (i > 0 && !(await s.wait(100))) return;
          if (!s.write(evs[i])) return;
          await flush();
          const now = Date.now();
          if (i === 1) entry.marks.firstContentAt = now;
          if (i === D.length) entry.marks.lastContentAt = now;
          entry.marks.lastEventAt = now;
        }
        return s.end();
      }
      case 'hostile-redirect': {
        // 307 to another path on the same server (CORS headers on both); the body is re-POSTed.
        if (!entry.path.startsWith('/redirected/')) {
          entry.status = 307;
          res.writeHead(307, { ...corsHeaders(req), location: `/redirected${entry.path.slice(entry.path.indexOf('/v1/'))}`, 'content-length': '0' });
          return res.end();
        }
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D)))) return;
        return s.end();
      }

      // ----- endings --------------------------------------------------------------------------
      case 'hostile-finish-no-done': {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { done: false })))) return;
        return s.end();
      }
      case 'hostile-no-finish-no-done': {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { finish: false, done: false })))) return;
        return s.end();
      }
      case 'hostile-cut-mid-event': {
        // A clean end of the body in the middle of an event.
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { finish: false, done: false })))) return;
        if (!(await s.wait(DELTA_GAP_MS))) return;
        s.write('data: {"choices":[{"index":0,"delta":{"content":" lost wor');
        if (!(await s.wait(DELTA_GAP_MS))) return;
        return s.end();
      }
      case 'hostile-inband-openai':
      case 'hostile-inband-string':
      case 'hostile-inband-vllm':
      case 'hostile-inband-event':
      case 'hostile-inband-llamacpp': {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { finish: false, done: false })))) return;
        if (!(await s.wait(DELTA_GAP_MS))) return;
        const msg = ERRORS[scenario];
        if (entry.protocol !== 'chat') {
          // The typed protocols' failure events: `response.failed` / Anthropic `error` for the
          // OpenAI shape, the `error` event otherwise; then text, a finish and the terminal event.
          const w = wire(entry);
          s.write((scenario === 'hostile-inband-openai' ? w.error(msg) : w.errorEvent(msg)).join(''));
          entry.marks.errorAt = Date.now();
          if (!(await s.wait(DELTA_GAP_MS))) return;
          s.write([...w.text(AFTER_ERROR_TEXT), ...w.finish('stop'), ...w.done()].join(''));
          return s.end();
        }
        const frame = {
          'hostile-inband-openai': sse({ error: { message: msg, type: 'server_error', param: null, code: null } }),
          'hostile-inband-string': sse({ error: msg }),
          'hostile-inband-vllm': sse({ object: 'error', message: msg, type: 'BadRequestError', param: null, code: 400 }),
          'hostile-inband-event': `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: msg } })}\n\n`,
          'hostile-inband-llamacpp': `error: ${JSON.stringify({ code: 500, message: msg, type: 'exceed_context_size_error' })}\n\n`,
        }[scenario];
        s.write(frame);
        entry.marks.errorAt = Date.now();
        // Anything after the error must be ignored: more text, a finish_reason, [DONE].
        if (!(await s.wait(DELTA_GAP_MS))) return;
        s.write(sse(chunk(entry, { content: AFTER_ERROR_TEXT }, 'stop')));
        if (!(await s.wait(10))) return;
        s.write(sse('[DONE]'));
        return s.end();
      }
      case 'hostile-http-401':
        if (entry.protocol === 'anthropic') return sendJson(req, res, entry, 401, errorBody('anthropic', ERRORS[scenario], 'authentication_error'));
        return sendJson(req, res, entry, 401, { error: { message: ERRORS[scenario], type: 'authentication_error', code: 401 } });
      case 'hostile-http-429':
        return sendJson(
          req, res, entry, 429,
          { error: { message: `${ERRORS[scenario]} per min (RPM): Limit 3, Used 3, Requested 1.`, type: 'requests', param: null, code: 'rate_limit_exceeded' } },
          { 'retry-after': String(RETRY_AFTER_SECS), 'access-control-expose-headers': 'Retry-After' },
        );
      case 'hostile-http-500-html':
        return sendRaw(req, res, entry, 500, HTML_500_PAGE, 'text/html; charset=utf-8');
      case 'hostile-http-503-empty':
        return sendRaw(req, res, entry, 503, '', null);
      case 'hostile-http-400-vllm':
        return sendJson(req, res, entry, 400, { object: 'error', message: ERRORS[scenario], type: 'BadRequestError', param: null, code: 400 });
      case 'hostile-idle': {
        // Some text, then silence with the connection open (the watchdog must end it).
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { finish: false, done: false }), { entry }))) return;
        return silence(s, 30_000);
      }
      case 'hostile-cors-no-acao': {
        // The preflight passes, but the response itself has no Access-Control-Allow-Origin.
        startSse(req, res, entry, { cors: false });
        if (!(await writeEvents(s, events(entry, D)))) return;
        return s.end();
      }
      case 'hostile-cors-no-auth-header':
      case 'hostile-cors-preflight-fail': {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D)))) return;
        return s.end();
      }

      // ----- load ----------------------------------------------------------------------------
      case 'hostile-huge-delta': {
        startSse(req, res, entry);
        const evs = events(entry, [HUGE_DELTA_TEXT]);
        if (!(await writeEvents(s, evs))) return;
        return s.end();
      }
      case 'hostile-many-deltas': {
        // 20,000 one-word deltas in 400 writes of 50 events, 4 ms apart (~2 s of streaming).
        startSse(req, res, entry);
        const evs = events(entry, MANY_DELTAS);
        if (!(await s.wait(FIRST_CHUNK_MS))) return;
        entry.marks.firstContentAt = Date.now();
        for (let i = 0; i < evs.length; i += 50) {
          if (i > 0 && !(await s.wait(4))) return;
          if (!s.write(evs.slice(i, i + 50).join(''))) return;
        }
        entry.marks.lastEventAt = Date.now();
        return s.end();
      }
      case 'hostile-no-newline':
      case 'hostile-event-too-large': {
        // Some text, then a line that never ends (`data: xxxx…`, no newline) or an event whose data
        // lines never end with a blank line, up to 128 MiB (2x the client's 64 MiB limit).
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { finish: false, done: false }), { entry }))) return;
        if (!(await s.wait(DELTA_GAP_MS))) return;
        entry.marks.floodStartAt = Date.now();
        const piece = scenario === 'hostile-no-newline'
          ? 'x'.repeat(256 * 1024)
          : `data: ${'y'.repeat(64 * 1024 - 7)}\n`.repeat(4);
        if (scenario === 'hostile-no-newline' && !s.write('data: ')) return;
        while (entry.bytesSent < 128 * 1024 * 1024) {
          if (!s.write(piece)) return;
          if (!s.ok && !(await s.drain())) return;
          if (!(await s.wait(10))) return;
        }
        entry.marks.floodEndAt = Date.now();
        return silence(s, 30_000);
      }

      // ----- silence & Stop -------------------------------------------------------------------
      case 'hostile-slow-headers': {
        // Nothing at all for 3 s, not even the headers.
        entry.marks.headersDueAt = Date.now() + 3000;
        if (!(await s.wait(3000))) return;
        startSse(req, res, entry);
        entry.marks.headersAt = Date.now();
        if (!(await writeEvents(s, events(entry, D)))) return;
        return s.end();
      }
      case 'hostile-silent-headers': {
        startSse(req, res, entry);
        entry.marks.headersAt = Date.now();
        return silence(s, 60_000);
      }
      case 'hostile-silent-mid-event': {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { finish: false, done: false })))) return;
        if (!(await s.wait(DELTA_GAP_MS))) return;
        s.write('data: {"choices":[{"index":0,"delta":{"content":" never fin');
        entry.marks.silentFrom = Date.now();
        return silence(s, 60_000);
      }
      case 'hostile-endless-event': {
        // Text, then ONE enormous event being sent (64 KiB of words every 20 ms, up to 6 MiB:
        // under the client's limit), then silence.
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, D, { finish: false, done: false })))) return;
        if (!(await s.wait(DELTA_GAP_MS))) return;
        entry.marks.enormousStartAt = Date.now();
        const before = entry.bytesSent;
        if (!s.write('data: {"choices":[{"index":0,"delta":{"content":"')) return;
        const piece = 'word '.repeat(64 * 1024 / 5);
        while (entry.bytesSent - before < 6 * 1024 * 1024) {
          if (!s.write(piece)) return;
          entry.marks.enormousBytes = entry.bytesSent - before;
          if (!(await s.wait(20))) return;
        }
        return silence(s, 60_000);
      }

      // ----- untrusted markup -----------------------------------------------------------------
      case 'hostile-xss-content': {
        startSse(req, res, entry);
        const deltas = ['Payloads: '];
        XSS_ALL.forEach((p, i) => deltas.push(i === 0 ? p : ` ${p}`));
        if (!(await writeEvents(s, events(entry, deltas), { gap: 10 }))) return;
        return s.end();
      }
      case 'hostile-xss-code-fence': {
        startSse(req, res, entry);
        const deltas = ['Code:\n\n```html\n', ...XSS_ALL.map((p) => `${p}\n`), '```\n\nand inline `<script>alert(1)</script>` too'];
        if (!(await writeEvents(s, events(entry, deltas), { gap: 10 }))) return;
        return s.end();
      }
      case 'hostile-xss-reasoning': {
        startSse(req, res, entry);
        const m = meta(entry);
        const seq = [
          sse({ ...m, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }),
          ...XSS_ALL.map((p) => sse({ ...m, choices: [{ index: 0, delta: { reasoning_content: `${p} ` } }] })),
          ...XSS_ALL.map((p) => sse({ ...m, choices: [{ index: 0, delta: { reasoning: `${p} ` } }] })),
          sse({ ...m, choices: [{ index: 0, delta: { content: 'Answer after reasoning' } }] }),
          sse({ ...m, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
          sse('[DONE]'),
        ];
        if (!(await writeEvents(s, seq, { gap: 10 }))) return;
        return s.end();
      }
      case 'hostile-xss-think': {
        startSse(req, res, entry);
        const deltas = ['<think>', ...XSS_ALL.map((p) => `${p} `), '</think>', 'Answer after thinking'];
        if (!(await writeEvents(s, events(entry, deltas), { gap: 10 }))) return;
        return s.end();
      }
      case 'hostile-xss-inband-error': {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, ['Text before', ' the error'], { finish: false, done: false }), { gap: 10 }))) return;
        s.write(sse({ error: { message: XSS_ALL.join(' '), type: '<b>server_error</b>', code: '<img src=x onerror=alert(1)>' } }));
        if (!(await s.wait(10))) return;
        s.write(sse('[DONE]'));
        return s.end();
      }
      case 'hostile-xss-event-error': {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, ['Text before', ' the error'], { finish: false, done: false }), { gap: 10 }))) return;
        s.write(`event: error\ndata: ${XSS_ALL.join(' ')}\n\n`);
        return s.end();
      }
      case 'hostile-xss-http-500':
        return sendRaw(req, res, entry, 500, XSS_HTML_500_PAGE, 'text/html; charset=utf-8');
      case 'hostile-xss-http-401':
        return sendJson(req, res, entry, 401, { error: { message: XSS_ALL.join(' '), type: '<script>alert(1)</script>', code: 'invalid_api_key' } });

      case 'hostile-echo-nothing':
      case 'hostile-plain':
      default: {
        startSse(req, res, entry);
        if (!(await writeEvents(s, events(entry, DELTAS['hostile-plain'])))) return;
        return s.end();
      }
    }
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let path = url.pathname;

    if (path === '/__log' && req.method === 'GET') {
      const body = JSON.stringify(log);
      res.writeHead(200, { 'content-type': 'application/json', ...corsHeaders(req) });
      return res.end(body);
    }
    if (path === '/__reset' && (req.method === 'POST' || req.method === 'GET')) {
      log.length = 0;
      res.writeHead(200, { 'content-type': 'application/json', ...corsHeaders(req) });
      return res.end('{"ok":true}');
    }

    let pathScenario = null;
    const m = /^\/s\/([a-z0-9-]+)(\/.*)$/.exec(path);
    if (m) {
      pathScenario = SCENARIOS.includes(m[1]) ? m[1] : null;
      path = m[2];
    }
    const entry = {
      id: nextId++,
      method: req.method,
      path: url.pathname,
      url: req.url,
      headers: { ...req.headers },
      authorization: req.headers.authorization ?? null,
      body: null,
      rawBody: null,
      model: null,
      scenario: pathScenario,
      stream: null,
      t: Date.now(),
      tEnd: null,
      status: null,
      aborted: false,
      completed: false,
      dropped: false,
      bytesSent: 0,
      writes: 0,
      firstWriteAt: null,
      lastWriteAt: null,
      marks: {},
    };
    log.push(entry);
    res.on('close', () => {
      entry.tEnd = Date.now();
      if (res.writableFinished) entry.completed = true;
      else if (!entry.dropped) entry.aborted = true;
    });
    if (!quiet) console.log(`${new Date().toISOString()} ${req.method} ${req.url}`);

    try {
      if (req.method === 'OPTIONS') {
        if (pathScenario === 'hostile-cors-preflight-fail') {
          // A server that does not do CORS at all: 403 without any Access-Control-* header.
          entry.status = 403;
          res.writeHead(403, { 'content-type': 'text/plain', 'content-length': '9' });
          return res.end('Forbidden');
        }
        entry.status = 204;
        res.writeHead(204, {
          ...corsHeaders(req),
          'access-control-allow-methods': 'POST, GET, OPTIONS',
          // reor#379: a server whose preflight does not allow the Authorization header.
          'access-control-allow-headers': pathScenario === 'hostile-cors-no-auth-header' ? 'content-type' : ALLOWED_HEADERS,
          'access-control-max-age': '0',
          'content-length': '0',
        });
        return res.end();
      }
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        entry.status = 200;
        const body = JSON.stringify({ object: 'list', data: SCENARIOS.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'chat-stream-hostile' })) });
        res.writeHead(200, { ...corsHeaders(req), 'content-type': 'application/json' });
        return res.end(body);
      }
      if (req.method === 'POST' && /^(\/redirected)?(\/v1)?\/(chat\/completions|responses|messages)$/.test(path)) {
        entry.protocol = protocolOfPath(path);
        return await handleCompletion(req, res, entry, pathScenario);
      }
      entry.status = 404;
      res.writeHead(404, { ...corsHeaders(req), 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: `Unknown route ${req.method} ${path}`, type: 'invalid_request_error', code: 'not_found' } }));
    } catch (err) {
      entry.error = String(err?.stack || err);
      if (!res.headersSent) {
        res.writeHead(500, { ...corsHeaders(req), 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err), type: 'server_error' } }));
      } else res.destroy();
    }
  });
  const { url, port: actualPort, close } = await listen(server, port, host);
  return {
    url,
    port: actualPort,
    baseUrl: `${url}/v1`,
    /** The app's endpoint for a path-selected scenario. */
    scenarioBase: (scenario) => `${url}/s/${scenario}/v1`,
    log,
    reset() {
      log.length = 0;
    },
    close: () => close(timers),
  };
}


if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  const srv = await startHostileServer({ port: Number(args.port ?? 8788), host: args.host ?? '127.0.0.1', quiet: false });
  console.log(`hostile server on ${srv.url}/v1 (scenarios: GET ${srv.url}/v1/models)`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
