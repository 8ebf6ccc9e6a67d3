// Replay server for the browser streaming benchmark: an OpenAI-compatible
// `POST …/chat/completions` that replays a fixed, deterministic transcript of real-looking
// `chat.completion.chunk` SSE events, one token (~4 characters) per event.
//
//   import { startReplayServer } from './replay-server.mjs';
//   const srv = await startReplayServer({ port: 0 });   // -> { url, log, close() }
//
//   node benches/browser/replay-server.mjs [--port 8790] [--host 127.0.0.1]
//
// The stream is chosen by the endpoint path, so one server serves every stream:
//
//   POST /r/<rate>/<tokens>/v1/chat/completions
//     rate   = events per second (timer-driven: each tick writes every event that is due by the
//              elapsed time, in one write, so 2,000 ev/s is accurate on a 1 ms timer), or `max`
//              (as fast as possible: the whole pre-generated body in 256 KiB writes, with
//              back-pressure);
//     tokens = number of content events (content deltas), e.g. 20000 or 100000.
//
// Every stream is: a role delta (`{"role":"assistant","content":"","refusal":null}`), <tokens>
// content deltas, a `finish_reason: "stop"` chunk with an empty delta, a usage chunk
// (`choices: []`) and `data: [DONE]`. The content is the same for a given token count (seeded
// PRNG) and ends with the sentence "End of transcript." so a client can check it got everything.
//
// `GET /__log` returns one record per completion request (server clock, ms since the server
// started): { id, path, rate, tokens, events, bytes, writes, receivedAt, firstByteAt,
// lastByteAt, aborted }. `POST /__reset` clears it. CORS: any origin, `content-type,
// authorization` allowed, OPTIONS preflights answered.

import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { listen, parseArgs } from '../../e2e/server-util.mjs';

export const SENTINEL = 'End of transcript.';

// ---------------------------------------------------------------------------------------------
// Deterministic transcript.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a of to and in is that for it as with on was be by this are or from at an which can ' +
  'stream streaming token tokens server browser response request event events chunk chunks ' +
  'latency first byte model answer question parser decoder buffer memory frame frames render ' +
  'rendering layout paint text markdown paragraph list code block function value values number ' +
  'network connection reader writer message messages delta content completion completions ' +
  'performance measure measured time second seconds milliseconds update updates document element ' +
  'important usually however because therefore instead although simple careful incremental ' +
  'example examples result results approach approaches different same every each only also ' +
  'implementation interface configuration application applications environment'
).split(' ');
const CODE_LINES = [
  'let mut decoder = SseDecoder::new();',
  'while let Some(event) = decoder.next_event() {',
  '    frames.push(frame_from_event(&event));',
  '}',
  'const reader = response.body.getReader();',
  'for (const line of text.split("\\n")) {',
  '  if (line.startsWith("data: ")) handle(line.slice(6));',
  'fn render(tail: &str) -> Vec<Block> { parse(tail) }',
  'assert_eq!(events.len(), 20_000);',
  'print(f"received {len(chunks)} chunks in {elapsed:.2f} s")',
];

/** Cuts text into BPE-like tokens of ~4 characters: a word with its leading space, long words split. */
function tokenize(text) {
  const out = [];
  const re = /\s*[^\s]+|\s+/g;
  for (const m of text.matchAll(re)) {
    let w = m[0];
    while (w.length > 6) {
      const cut = w.startsWith(' ') ? 4 : 3;
      out.push(w.slice(0, cut));
      w = w.slice(cut);
    }
    out.push(w);
  }
  return out;
}

/** Blocks of markdown (paragraphs, lists, headings, code fences), each as a token list. */
function* blocks(rand) {
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const sentence = () => {
    const n = 6 + Math.floor(rand() * 14);
    const ws = [];
    for (let i = 0; i < n; i++) {
      let w = pick(WORDS);
      const r = rand();
      if (r < 0.03) w = `**${w}**`;
      else if (r < 0.05) w = `\`${w}()\``;
      else if (r < 0.06) w = `*${w}*`;
      ws.push(w);
    }
    ws[0] = ws[0][0].toUpperCase() + ws[0].slice(1);
    const end = rand() < 0.1 ? '?' : rand() < 0.15 ? ':' : '.';
    const comma = n > 9 ? Math.floor(n / 2) : -1;
    return ws.map((w, i) => (i === comma ? `${w},` : w)).join(' ') + end;
  };
  let n = 0;
  for (;;) {
    n++;
    const r = rand();
    let md;
    if (n % 17 === 0) md = `## ${sentence().replace(/[.?:]$/, '')}`;
    else if (r < 0.18) {
      const items = 2 + Math.floor(rand() * 5);
      const ordered = rand() < 0.4;
      md = Array.from({ length: items }, (_, i) => `${ordered ? `${i + 1}.` : '-'} ${sentence()}`).join('\n');
    } else if (r < 0.27) {
      const lang = pick(['rust', 'js', 'python', '']);
      const lines = 3 + Math.floor(rand() * 8);
      md = '```' + lang + '\n' + Array.from({ length: lines }, () => pick(CODE_LINES)).join('\n') + '\n```';
    } else {
      const s = 2 + Math.floor(rand() * 5);
      md = Array.from({ length: s }, sentence).join(' ');
    }
    yield tokenize((n === 1 ? '' : '\n\n') + md);
  }
}

const contentCache = new Map();

/** Exactly `count` content tokens (count ≥ 8), the last ones spelling "\n\nEnd of transcript.". */
export function transcriptTokens(count) {
  if (contentCache.has(count)) return contentCache.get(count);
  const rand = mulberry32(0xc0ffee);
  const tail = tokenize('\n\n' + SENTINEL);
  const budget = Math.max(0, count - tail.length);
  const out = [];
  for (const b of blocks(rand)) {
    if (out.length + b.length <= budget) {
      out.push(...b);
      continue;
    }
    // The last block does not fit: finish with a plain paragraph of exactly the tokens left.
    const left = budget - out.length;
    if (left > 0) {
      const words = [];
      while (tokenize('\n\n' + words.join(' ')).length < left) words.push(WORDS[words.length % WORDS.length]);
      out.push(...tokenize('\n\n' + words.join(' ')).slice(0, left));
    }
    break;
  }
  out.push(...tail);
  const tokens = out.slice(0, Math.max(count, tail.length));
  contentCache.set(count, tokens);
  return tokens;
}

const ID = 'chatcmpl-BbR7kq2PnZ4vXc9LmT1sYw6HdQe3';
const CREATED = 1764000000;
const MODEL = 'gpt-4o-mini-2024-07-18';
const FP = 'fp_34a54ae93c';

/** One `data:` event of a `chat.completion.chunk` with these extra fields. */
function event(fields) {
  const envelope = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, system_fingerprint: FP };
  return `data: ${JSON.stringify({ ...envelope, ...fields })}\n\n`;
}

function chunk(delta, finish = null) {
  return event({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
}

const eventCache = new Map();

/** The whole stream as SSE event strings (role, content…, stop, usage, [DONE]). */
export function transcriptEvents(count) {
  if (eventCache.has(count)) return eventCache.get(count);
  const tokens = transcriptTokens(count);
  const events = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const t of tokens) events.push(chunk({ content: t }));
  events.push(chunk({}, 'stop'));
  events.push(event({ choices: [], usage: { prompt_tokens: 9, completion_tokens: count, total_tokens: count + 9 } }));
  events.push('data: [DONE]\n\n');
  const bufs = events.map((e) => Buffer.from(e, 'utf8'));
  const out = { events: bufs, body: Buffer.concat(bufs), text: tokens.join('') };
  eventCache.set(count, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server.

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization',
  'access-control-max-age': '600',
};

const t0 = performance.now();
const clock = () => performance.now() - t0;

export async function startReplayServer({ port = 0, host = '127.0.0.1' } = {}) {
  const log = [];
  const timers = new Set();
  let nextId = 1;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS);
      return res.end();
    }
    if (url.pathname === '/__log') {
      res.writeHead(200, { 'content-type': 'application/json', ...CORS });
      return res.end(JSON.stringify(log));
    }
    if (url.pathname === '/__reset' && req.method === 'POST') {
      log.length = 0;
      res.writeHead(204, CORS);
      return res.end();
    }
    const m = /^\/r\/(max|\d+(?:\.\d+)?)\/(\d+)\/v1\/chat\/completions$/.exec(url.pathname);
    if (!m || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json', ...CORS });
      return res.end(JSON.stringify({ error: { message: `no such route: ${req.method} ${url.pathname}`, type: 'invalid_request_error' } }));
    }
    const rate = m[1] === 'max' ? Infinity : Number(m[1]);
    const tokens = Math.max(8, Number(m[2]));
    const rec = {
      id: nextId++,
      path: url.pathname,
      rate: m[1],
      tokens,
      events: 0,
      bytes: 0,
      writes: 0,
      receivedAt: clock(),
      firstByteAt: null,
      lastByteAt: null,
      aborted: false,
    };
    log.push(rec);
    // Read (and ignore) the JSON body before answering, like a real server.
    req.resume();
    req.on('end', () => {
      const { events, body } = transcriptEvents(tokens);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        ...CORS,
      });
      res.flushHeaders();
      let closed = false;
      res.on('close', () => {
        closed = true;
        if (!res.writableFinished) rec.aborted = true;
      });
      const wrote = (buf, n) => {
        rec.writes++;
        rec.bytes += buf.length;
        rec.events += n;
        if (rec.firstByteAt == null) rec.firstByteAt = clock();
      };
      // lastByteAt: when the final write has been handed to the kernel.
      const finish = () => res.end(() => (rec.lastByteAt = clock()));

      if (rate === Infinity) {
        const PIECE = 256 * 1024;
        let off = 0;
        const pump = () => {
          while (!closed && off < body.length) {
            const piece = body.subarray(off, off + PIECE);
            off += piece.length;
            wrote(piece, 0);
            if (!res.write(piece)) return res.once('drain', pump);
          }
          if (!closed) {
            rec.events = events.length;
            finish();
          }
        };
        return pump();
      }

      const start = performance.now();
      const interval = 1000 / rate;
      let next = 0; // index of the next event to write
      const tick = () => {
        if (closed) return;
        const due = Math.min(events.length, Math.floor((performance.now() - start) / interval) + 1);
        if (due > next) {
          const piece = due - next === 1 ? events[next] : Buffer.concat(events.slice(next, due));
          wrote(piece, due - next);
          res.write(piece);
          next = due;
        }
        if (next >= events.length) return finish();
        const wait = Math.max(0, start + next * interval - performance.now());
        const h = setTimeout(() => {
          timers.delete(h);
          tick();
        }, wait);
        timers.add(h);
      };
      tick();
    });
  });
  const { url, port: actual, close } = await listen(server, port, host);
  return { url, port: actual, log, close: () => close(timers) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  const opt = (name, dflt) => args[name] ?? dflt;
  // Pre-generate the usual streams so the first request is not slowed by generation.
  for (const n of (opt('pregen', '20000,100000') || '').split(',').filter(Boolean)) transcriptEvents(Number(n));
  const srv = await startReplayServer({ port: Number(opt('port', 8790)), host: opt('host', '127.0.0.1') });
  // The runner reads this line to learn the port.
  console.log(`replay server on ${srv.url}`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
