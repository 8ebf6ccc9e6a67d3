// Scripted chat server for chat-stream's end-to-end tests: OpenAI Chat Completions, and the
// OpenAI Responses and Anthropic Messages APIs (see PROTOCOL SCENARIOS below).
//
// Streams with REAL delays: every write is sent as its own HTTP chunk (TCP_NODELAY, setTimeout
// between writes), so the browser's ReadableStream sees the bytes arrive the way a real server
// sends them. The scenario is chosen by the request body's `model` field (see SCENARIOS below).
//
//   import { startMockServer } from './mock-server.mjs';
//   const mock = await startMockServer({ port: 0 });   // -> { url, port, close(), log, reset() }
//   // mock.url === 'http://127.0.0.1:PORT'  (the OpenAI base URL is `${mock.url}/v1`)
//
//   node e2e/mock-server.mjs --port 8787 [--host 127.0.0.1]
//
// Routes:
//   OPTIONS *                      CORS preflight (reflects Origin; allows content-type, authorization,
//                                  x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access)
//   GET  /v1/models                OpenAI model list; the ids are the scenario names
//   GET  /auth/v1/models           the same list, but 401 (AUTH_ERROR) unless `Authorization: Bearer sk-test-123`
//   POST /v1/chat/completions      scripted completion, streaming (SSE) or not
//   POST /v1/responses             the same scenarios in the OpenAI Responses API
//   POST /v1/messages              the same scenarios in the Anthropic Messages API
//   GET  /__log                    JSON array of the requests received (see `LogEntry` below)
//   POST /__reset                  clears the log
//
// LogEntry: { id, method, path, headers, authorization, body, rawBody, model, scenario, stream,
//             t, tEnd, status, aborted, completed, dropped }
//   t / tEnd   epoch ms when the request arrived / when its connection closed or response ended
//   aborted    the CLIENT closed the connection before the response was complete (e.g. Stop)
//   dropped    the SERVER destroyed the socket on purpose (scenario mock-drop)
//   completed  the response was sent in full

import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { listen, parseArgs } from './server-util.mjs';
import { ALLOWED_HEADERS, Wire, errorBody, keyOf, protocolOfPath, requestMessages, requestProblem, wholeBody } from './protocol-wire.mjs';

export const HAPPY_TEXT = 'Hello! This is a streamed answer from the mock server.';
// Ten deltas, each word with its leading space.
export const HAPPY_DELTAS = HAPPY_TEXT.split(/(?= )/);
export const MIDSTREAM_ERROR_DELTAS = ['Partial ', 'answer '];
export const MIDSTREAM_ERROR_MESSAGE = 'The server had an error while processing your request.';
export const DROP_DELTAS = ['Some text ', 'before the drop'];
export const TRUNCATED_DELTAS = ['Some text ', 'before the end'];
export const UTF8_TEXT = '你好, 世界 👍 ok';
export const UTF8_DELTAS = ['你好', ', ', '世界', ' 👍', ' ok'];
export const AUTH_KEY = 'sk-test-123';
export const AUTH_ERROR = {
  error: {
    message: 'Incorrect API key provided.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  },
};
export const SLOW_INTERVAL_MS = 200;
export const SLOW_DURATION_MS = 60_000;
/** Scenarios that /v1/chat/completions also plays with the protocol player. */
const PROTOCOL_ONLY = ['mock-length', 'mock-tools', 'mock-error-event', 'mock-http-error'];

export const SCENARIOS = [
  'mock-happy',
  'mock-midstream-error',
  'mock-drop',
  'mock-auth',
  'mock-slow',
  'mock-utf8',
  'mock-crlf',
  'mock-truncated',
  // The chat experience: see CHAT_SCENARIOS below.
  'mock-echo',
  'mock-markdown',
  'mock-code-long',
  'mock-xss',
  'mock-think',
  'mock-reasoning',
  'mock-reasoning-alt',
  'mock-reasoning-only',
  'mock-long',
  // Every protocol: see PROTOCOL SCENARIOS below.
  'mock-length',
  'mock-tools',
  'mock-error-event',
  'mock-http-error',
];
const DEFAULT_SCENARIO = 'mock-happy';

// ---------------------------------------------------------------------------------------------
// PROTOCOL SCENARIOS: on /v1/responses and /v1/messages, these scenarios (by `model`) are written
// in that protocol with protocol-wire.mjs; the last four are served on /v1/chat/completions too.
//
// mock-happy / mock-auth   HAPPY_DELTAS, then the finish (`stop`) and the terminal event; mock-auth
//                          first answers 401 in the protocol's envelope unless the key is AUTH_KEY in
//                          the protocol's key header (Bearer, or x-api-key for /v1/messages)
// mock-echo                `Answer N: you said "<last user message>".` (reads `input` / `messages`)
// mock-midstream-error     "Partial ", "answer ", then the in-stream failure (`response.failed`,
//                          Anthropic `error` overloaded_error), then more text that must be ignored
// mock-error-event         the same with the Responses API's top-level `error` event
// mock-drop                "Some text ", "before the drop", then the socket is destroyed
// mock-truncated           "Some text ", "before the end", the finish, then a clean end of the body
//                          WITHOUT the terminal event (`response.completed`, `message_stop`)
// mock-utf8                UTF8_DELTAS, every event cut inside every multi-byte character
// mock-crlf                HAPPY_DELTAS with CRLF line endings and a keep-alive first
// mock-slow                "tick N " every 200 ms for 60 s
// mock-reasoning           REASONING_PARTS as reasoning, then ANSWER_AFTER_REASONING
// mock-length              LENGTH_DELTAS, cut off: finish_reason `length`, `response.incomplete` with
//                          `max_output_tokens`, stop_reason `max_tokens`
// mock-tools               TOOL_CALLS (two calls, no text), arguments in TOOL_ARG_PIECE-byte pieces;
//                          finish reason `tool_calls` / `tool_use`
// mock-http-error          HTTP 529 (Anthropic) or 500 with HTTP_ERROR_MESSAGE in the envelope
// Without streaming, each answers its whole body (`wholeBody`); mock-http-error its HTTP error.
export const LENGTH_DELTAS = ['This answer ', 'is cut ', 'off by'];
export const TOOL_CALLS = [
  { id: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
  { id: 'call_time_2', name: 'get_time', arguments: '{"zone":"Europe/Paris","format":"24h"}' },
];
export const TOOL_ARG_PIECE = 5;
export const HTTP_ERROR_MESSAGE = 'Overloaded: try again later.';

// ---------------------------------------------------------------------------------------------
// Scenarios of the chat experience.
//
// mock-echo            `Answer N: you said "<last user message>".` in word deltas, 30 ms apart; N counts
//                      the mock-echo requests since the last reset (1, 2, 3, ...), so a regenerated answer
//                      differs from the one it replaces. Markers in the last user message change it:
//                        [error]       "Partial ", "answer ", then a mid-stream error (like mock-midstream-error)
//                        [slow]        "tick N " every 200 ms for 60 s (like mock-slow)
//                        [error-once]  / [slow-once]: the same, but only the first time that exact user
//                                      message is seen since the reset; later (regenerate) it is echoed
//                        [http-500]    HTTP 500 JSON error before any text (a failed turn with no answer)
//                        [cut]         CUT_DELTAS then finish_reason "length" (cut off by the token
//                                      limit); a request whose last message is the assistant's (Continue)
//                                      gets CONTINUE_DELTAS and finish_reason "stop"
// mock-markdown        MARKDOWN_TEXT (heading, paragraph with strong / inline code / links, list, table,
//                      rust code fence) in 7-character deltas 12 ms apart: constructs cut everywhere
// mock-code-long       CODE_LONG_TEXT: a python fence of 80 lines (~3.5 KB, longer than one render segment)
// mock-xss             xssText(host): <script>, <img onerror>, [x](javascript:), an image pointing at this
//                      server (GET /xss-pixel.png must never arrive) and a raw <a href=javascript:>
// mock-think           THINK_DELTAS: `<think>…</think>` at the start of content, tags split across deltas
// mock-reasoning       REASONING_PARTS in `delta.reasoning_content`, then ANSWER_AFTER_REASONING in content
// mock-reasoning-alt   the same with `delta.reasoning` (OpenRouter's field)
// mock-reasoning-only  REASONING_PARTS in `delta.reasoning_content`, no content at all, finish_reason stop
// mock-long            longParagraph(i) for i = 1..LONG_PARAGRAPHS, one paragraph ("\n\n"-separated) every
//                      LONG_GAP_MS (~12 s in all): a long, slow answer for scrolling and live figures
export const ECHO_COUNT_START = 1;
export const CUT_DELTAS = ['One,', ' two,', ' three,'];
export const CONTINUE_DELTAS = [' four,', ' five.'];
export const HTTP_500_MESSAGE = 'The echo server failed on purpose.';
export const echoText = (n, userText) => `Answer ${n}: you said "${userText}".`;
export const MARKDOWN_CODE = 'fn main() {\n    let greeting = "hi <b>";\n    println!("{greeting} from a very long line of rust code that should scroll inside its block");\n}';
export const MARKDOWN_TEXT = [
  '# Streaming report',
  '',
  'Here is a **summary** with `inline code`, [the docs](https://example.com/docs) and [mail](mailto:team@example.com).',
  '',
  '## Details',
  '',
  '- first item',
  '- second item with `code`',
  '- third item',
  '',
  '| Name | Value |',
  '| --- | ---: |',
  '| alpha | 1 |',
  '| beta | 22 |',
  '',
  '```rust',
  MARKDOWN_CODE,
  '```',
  '',
  'Done.',
].join('\n');
export const CODE_LONG_LINES = Array.from({ length: 80 }, (_, i) => `print("line ${String(i + 1).padStart(2, '0')} of a long code block")  # ${'x'.repeat(i % 7)}`);
export const CODE_LONG_CODE = CODE_LONG_LINES.join('\n');
export const CODE_LONG_TEXT = `Here is the code:\n\n\`\`\`python\n${CODE_LONG_CODE}\n\`\`\`\n\nThat is all.`;
export const XSS_SCRIPT = "<script>window.__xss = 'script'; alert('script')</script>";
export const XSS_IMG = `<img src=x onerror="window.__xss='img'; alert('img')">`;
export const XSS_LINK_LABEL = 'click me';
export const XSS_LINK = `[${XSS_LINK_LABEL}](javascript:window.__xss='link';alert('link'))`;
export const XSS_RAW_A = `<a href="javascript:window.__xss='a'">raw link</a>`;
export const xssText = (host) =>
  [
    `Payload one: ${XSS_SCRIPT}`,
    `Payload two: ${XSS_IMG}`,
    `Payload three: ${XSS_LINK}`,
    `Payload four: ![pixel](http://${host}/xss-pixel.png)`,
    `Payload five: ${XSS_RAW_A}`,
    'End of payloads.',
  ].join('\n\n');
export const THINK_DELTAS = ['<thi', 'nk>Let me ', 'think about ', 'it.</th', 'ink>\n\n', 'The answer ', 'is 42.'];
export const THINK_REASONING = 'Let me think about it.';
export const THINK_ANSWER = 'The answer is 42.';
export const REASONING_PARTS = ['First, ', 'consider ', 'the question. ', 'Then answer it.'];
export const REASONING_TEXT = REASONING_PARTS.join('');
export const ANSWER_AFTER_REASONING = 'Final answer.';
export const LONG_PARAGRAPHS = 150;
export const LONG_GAP_MS = 80;
export const longParagraph = (i) =>
  `Paragraph ${i}. The streamed answer keeps growing so that the conversation log has to scroll; ` +
  'a reader who scrolls up must be left where they are while new text keeps arriving below.';

// ---------------------------------------------------------------------------------------------
// mock-paced: a stream with known pacing, for the latency lab. The model name sets it:
//   mock-paced                   first token at 300 ms, then a token every 50 ms, 10 tokens
//   mock-paced-<X>-<G>-<N>       first token at X ms, a gap of G ms, N tokens (e.g. mock-paced-200-40-8)
// Times are measured from the moment the request body has arrived, on an absolute schedule (no
// drift from timer lateness). Headers go out at once, a role-only chunk at X/2, token i (0-based) at
// X + i*G, then the finish chunk, usage (when asked for: completion_tokens = N), llama.cpp-style
// `timings` (prompt_ms = X, predicted_n = N, predicted_ms = N*G, predicted_per_second = 1000/G) and
// [DONE], right after the last token.
export const PACED_DEFAULTS = { first: 300, gap: 50, tokens: 10 };
export function pacedParams(model) {
  const m = /^mock-paced(?:-(\d+)-(\d+)-(\d+))?$/.exec(model);
  if (!m) return null;
  if (!m[1]) return { ...PACED_DEFAULTS };
  return { first: Number(m[1]), gap: Number(m[2]), tokens: Math.max(1, Number(m[3])) };
}
export const pacedToken = (i) => `t${i} `;

const FIRST_CHUNK_MS = 60; // role-only chunk
const FIRST_DELTA_MS = 150; // first content delta (time to first token)
const DELTA_GAP_MS = 40;
const UTF8_GAP_MS = 30;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function corsHeaders(req) {
  const origin = req.headers.origin;
  return {
    'access-control-allow-origin': origin || '*',
    vary: 'Origin',
  };
}

function sendJson(req, res, status, obj, extra = {}) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, {
    ...corsHeaders(req),
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Cut a UTF-8 buffer inside every multi-byte sequence: 3-byte chars after their 1st byte,
 *  4-byte chars after their 2nd byte, 2-byte chars after their 1st byte. */
export function splitInsideMultibyte(buf) {
  const pieces = [];
  let start = 0;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    let len = 1;
    if (b >= 0xf0) len = 4;
    else if (b >= 0xe0) len = 3;
    else if (b >= 0xc0) len = 2;
    if (len > 1) {
      const cut = i + (len === 4 ? 2 : 1);
      pieces.push(buf.subarray(start, cut));
      start = cut;
    }
    i += len;
  }
  if (start < buf.length) pieces.push(buf.subarray(start));
  return pieces.filter((p) => p.length > 0);
}

export async function startMockServer({ port = 0, host = '127.0.0.1', quiet = true } = {}) {
  const log = [];
  let nextId = 1;
  const timers = new Set();

  // A cancellable sleep: resolves false when the request's connection has closed.
  function makeSession(req, res, entry) {
    let closed = false;
    const waiters = new Set();
    res.on('close', () => {
      closed = true;
      for (const w of waiters) w();
      waiters.clear();
    });
    return {
      get closed() {
        return closed;
      },
      wait(ms) {
        if (closed) return Promise.resolve(false);
        return new Promise((resolve) => {
          const done = () => {
            clearTimeout(timer);
            timers.delete(timer);
            waiters.delete(done);
            resolve(!closed);
          };
          const timer = setTimeout(done, ms);
          timers.add(timer);
          waiters.add(done);
        });
      },
      // Write one piece as its own chunk; false if the connection is gone.
      write(piece) {
        if (closed || res.destroyed) return false;
        res.write(piece);
        return true;
      },
    };
  }

  // The fields every chunk of one completion shares.
  function chunkEnvelope(meta) {
    return {
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      system_fingerprint: 'fp_mock',
    };
  }

  function chunkObj(meta, delta, finishReason = null) {
    return {
      ...chunkEnvelope(meta),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
  }

  function usageObj(meta, completionTokens) {
    return {
      ...chunkEnvelope(meta),
      choices: [],
      usage: {
        prompt_tokens: meta.promptTokens,
        completion_tokens: completionTokens,
        total_tokens: meta.promptTokens + completionTokens,
      },
    };
  }

  function startSse(req, res) {
    res.writeHead(200, {
      ...corsHeaders(req),
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
  }

  const sse = (obj, eol = '\n') => `data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}${eol}${eol}`;

  // The role chunk and `deltas` with delays, no end: false once the client has gone.
  async function partialStream(s, meta, deltas) {
    if (!(await s.wait(FIRST_CHUNK_MS))) return false;
    s.write(sse(chunkObj(meta, { role: 'assistant', content: '' })));
    if (!(await s.wait(FIRST_DELTA_MS - FIRST_CHUNK_MS))) return false;
    for (const d of deltas) {
      if (!s.write(sse(chunkObj(meta, { content: d })))) return false;
      if (!(await s.wait(DELTA_GAP_MS))) return false;
    }
    return true;
  }

  // Generic OpenAI-shaped stream of `deltas` with delays; `eol` '\n' or '\r\n'.
  async function streamDeltas(s, meta, deltas, { eol = '\n', includeUsage = false, preamble = null, gap = DELTA_GAP_MS, splitCrlf = false, finish = 'stop' } = {}) {
    if (preamble != null) {
      if (!s.write(preamble)) return;
    }
    if (!(await s.wait(FIRST_CHUNK_MS))) return;
    if (!s.write(sse(chunkObj(meta, { role: 'assistant', content: '' }), eol))) return;
    if (!(await s.wait(FIRST_DELTA_MS - FIRST_CHUNK_MS))) return;
    for (let i = 0; i < deltas.length; i++) {
      if (i > 0 && !(await s.wait(gap))) return;
      const ev = sse(chunkObj(meta, { content: deltas[i] }), eol);
      if (splitCrlf && eol === '\r\n' && i === 1) {
        // `data: …\r` | `\n\r\n`: a CRLF pair split across network chunks.
        const cut = ev.length - 3;
        if (!s.write(ev.slice(0, cut))) return;
        if (!(await s.wait(15))) return;
        if (!s.write(ev.slice(cut))) return;
      } else if (!s.write(ev)) return;
    }
    if (!(await s.wait(gap))) return;
    if (!s.write(sse(chunkObj(meta, {}, finish), eol))) return;
    if (includeUsage) {
      if (!(await s.wait(10))) return;
      if (!s.write(sse(usageObj(meta, deltas.length), eol))) return;
    }
    if (!(await s.wait(10))) return;
    if (!s.write(sse('[DONE]', eol))) return;
    s.end();
  }

  // Requests seen per counter since the last reset (mock-echo numbering, *-once markers).
  const seen = new Map();
  const bump = (key) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n;
  };

  // Like streamDeltas, but each delta is a whole `delta` object (reasoning fields, etc.).
  async function streamDeltaObjects(s, meta, deltas, { includeUsage = false, gap = DELTA_GAP_MS } = {}) {
    if (!(await s.wait(FIRST_CHUNK_MS))) return;
    if (!s.write(sse(chunkObj(meta, { role: 'assistant', content: '' })))) return;
    if (!(await s.wait(FIRST_DELTA_MS - FIRST_CHUNK_MS))) return;
    for (let i = 0; i < deltas.length; i++) {
      if (i > 0 && !(await s.wait(gap))) return;
      if (!s.write(sse(chunkObj(meta, deltas[i])))) return;
    }
    if (!(await s.wait(gap))) return;
    if (!s.write(sse(chunkObj(meta, {}, 'stop')))) return;
    if (includeUsage) {
      if (!(await s.wait(10))) return;
      if (!s.write(sse(usageObj(meta, deltas.length)))) return;
    }
    if (!(await s.wait(10))) return;
    if (!s.write(sse('[DONE]'))) return;
    s.end();
  }

  // mock-paced (see pacedParams): tokens on an absolute schedule from the request's arrival.
  async function pacedStream(req, res, entry, body, params) {
    const t0 = Date.now();
    const p0 = performance.now();
    // When each token (and the tail) actually went out, ms after t0: under load timers run late,
    // and the tests compare the client's figures with what the server really did.
    entry.paced = { ...params, tokenMs: [], endMs: null };
    const includeUsage = !!(body.stream_options && body.stream_options.include_usage);
    const meta = { id: `chatcmpl-paced${entry.id}`, created: Math.floor(t0 / 1000), model: entry.model, promptTokens: 7 };
    Object.assign(entry, { scenario: 'mock-paced', stream: body.stream === true, status: 200 });
    const s = makeSession(req, res, entry);
    res.socket?.setNoDelay(true);
    startSse(req, res);
    const until = (ms) => s.wait(Math.max(0, t0 + ms - Date.now()));
    if (!(await until(params.first / 2))) return;
    s.write(sse(chunkObj(meta, { role: 'assistant', content: '' })));
    for (let i = 0; i < params.tokens; i++) {
      if (!(await until(params.first + i * params.gap))) return;
      if (!s.write(sse(chunkObj(meta, { content: pacedToken(i) })))) return;
      entry.paced.tokenMs.push(performance.now() - p0);
    }
    const tail = [sse(chunkObj(meta, {}, 'length'))];
    if (includeUsage) tail.push(sse(usageObj(meta, params.tokens)));
    tail.push(sse({
      ...chunkEnvelope(meta),
      choices: [],
      timings: {
        prompt_n: meta.promptTokens,
        prompt_ms: params.first,
        predicted_n: params.tokens,
        predicted_ms: params.tokens * params.gap,
        predicted_per_second: 1000 / params.gap,
      },
    }));
    tail.push(sse('[DONE]'));
    if (!s.write(tail.join(''))) return;
    entry.paced.endMs = performance.now() - p0;
    if (!s.closed) res.end();
  }

  const pieces = (text, size) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

  async function chatScenario(req, s, meta, scenario, body, includeUsage) {
    const opts = { includeUsage };
    switch (scenario) {
      case 'mock-echo': {
        const msgs = body.messages;
        let user = '';
        for (let i = msgs.length - 1; i >= 0; i--) {
          if (msgs[i] && msgs[i].role === 'user') {
            user = typeof msgs[i].content === 'string' ? msgs[i].content : JSON.stringify(msgs[i].content);
            break;
          }
        }
        if (msgs[msgs.length - 1]?.role === 'assistant') {
          return streamDeltas(s, meta, CONTINUE_DELTAS, { ...opts, gap: 30 });
        }
        if (/\[cut\]/.test(user)) {
          return streamDeltas(s, meta, CUT_DELTAS, { ...opts, gap: 30, finish: 'length' });
        }
        const once = /\[(error|slow)-once\]/.exec(user);
        const first = once ? bump(`once:${user}`) === 1 : false;
        const n = bump('mock-echo');
        if (/\[error\]/.test(user) || (once && once[1] === 'error' && first)) {
          if (!(await partialStream(s, meta, MIDSTREAM_ERROR_DELTAS))) return;
          s.write(sse({ error: { message: MIDSTREAM_ERROR_MESSAGE, type: 'server_error', param: null, code: null } }));
          if (!(await s.wait(10))) return;
          s.write(sse('[DONE]'));
          return s.end();
        }
        if (/\[slow\]/.test(user) || (once && once[1] === 'slow' && first)) {
          const k = Math.floor(SLOW_DURATION_MS / SLOW_INTERVAL_MS);
          const deltas = Array.from({ length: k }, (_, i) => `tick ${i} `);
          return streamDeltas(s, meta, deltas, { ...opts, gap: SLOW_INTERVAL_MS });
        }
        return streamDeltas(s, meta, echoText(n, user).split(/(?= )/), { ...opts, gap: 30 });
      }
      case 'mock-markdown':
        return streamDeltas(s, meta, pieces(MARKDOWN_TEXT, 7), { ...opts, gap: 12 });
      case 'mock-code-long':
        return streamDeltas(s, meta, pieces(CODE_LONG_TEXT, 40), { ...opts, gap: 4 });
      case 'mock-xss':
        return streamDeltas(s, meta, pieces(xssText(req.headers.host || '127.0.0.1'), 5), { ...opts, gap: 8 });
      case 'mock-think':
        return streamDeltas(s, meta, THINK_DELTAS, opts);
      case 'mock-reasoning':
      case 'mock-reasoning-alt': {
        const field = scenario === 'mock-reasoning' ? 'reasoning_content' : 'reasoning';
        const deltas = [
          ...REASONING_PARTS.map((r) => ({ content: null, [field]: r })),
          { content: ANSWER_AFTER_REASONING, [field]: null },
        ];
        return streamDeltaObjects(s, meta, deltas, opts);
      }
      case 'mock-reasoning-only':
        return streamDeltaObjects(s, meta, REASONING_PARTS.map((r) => ({ content: null, reasoning_content: r })), opts);
      case 'mock-long': {
        const deltas = Array.from({ length: LONG_PARAGRAPHS }, (_, i) => (i ? '\n\n' : '') + longParagraph(i + 1));
        return streamDeltas(s, meta, deltas, { ...opts, gap: LONG_GAP_MS });
      }
      default:
        return streamDeltas(s, meta, HAPPY_DELTAS, opts);
    }
  }

  async function handleCompletion(req, res, entry) {
    const raw = await readBody(req);
    entry.rawBody = raw.toString('utf8');
    let body;
    try {
      body = JSON.parse(entry.rawBody);
    } catch {
      entry.status = 400;
      return sendJson(req, res, 400, {
        error: { message: 'Invalid JSON in request body.', type: 'invalid_request_error', param: null, code: null },
      });
    }
    entry.body = body;
    if (!body || typeof body !== 'object' || !Array.isArray(body.messages)) {
      entry.status = 400;
      return sendJson(req, res, 400, {
        error: { message: "'messages' is a required property", type: 'invalid_request_error', param: 'messages', code: null },
      });
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const paced = body.stream === true && pacedParams(model);
    if (paced) {
      entry.model = model;
      return pacedStream(req, res, entry, body, paced);
    }
    const scenario = SCENARIOS.includes(model) ? model : DEFAULT_SCENARIO;
    const stream = body.stream === true;
    const includeUsage = !!(body.stream_options && body.stream_options.include_usage);
    Object.assign(entry, { model, scenario, stream });

    const meta = {
      id: `chatcmpl-mock${entry.id}${Date.now().toString(36)}`,
      created: Math.floor(Date.now() / 1000),
      model: model || DEFAULT_SCENARIO,
      promptTokens: JSON.stringify(body.messages).length >> 2,
    };

    if (scenario === 'mock-auth') {
      const auth = req.headers.authorization || '';
      if (auth !== `Bearer ${AUTH_KEY}`) {
        entry.status = 401;
        await sleep(30);
        return sendJson(req, res, 401, AUTH_ERROR);
      }
    }

    if (PROTOCOL_ONLY.includes(scenario)) {
      return playProtocol(req, res, entry, 'chat', scenario, body, stream);
    }

    if (scenario === 'mock-echo') {
      const last = [...body.messages].reverse().find((m) => m && m.role === 'user');
      if (last && /\[http-500\]/.test(String(last.content))) {
        entry.status = 500;
        await sleep(30);
        return sendJson(req, res, 500, { error: { message: HTTP_500_MESSAGE, type: 'server_error', param: null, code: null } });
      }
    }

    const s = makeSession(req, res, entry);
    s.end = () => {
      if (!s.closed) res.end();
    };
    res.socket?.setNoDelay(true);

    if (!stream) {
      return nonStreaming(req, res, s, entry, meta, scenario);
    }

    entry.status = 200;
    startSse(req, res);
    switch (scenario) {
      case 'mock-midstream-error': {
        if (!(await partialStream(s, meta, MIDSTREAM_ERROR_DELTAS))) return;
        s.write(sse({ error: { message: MIDSTREAM_ERROR_MESSAGE, type: 'server_error', param: null, code: null } }));
        if (!(await s.wait(10))) return;
        s.write(sse('[DONE]'));
        return s.end();
      }
      case 'mock-drop': {
        if (!(await partialStream(s, meta, DROP_DELTAS))) return;
        if (!(await s.wait(100))) return;
        // No finish_reason, no [DONE], no terminating zero-length chunk: kill the TCP connection.
        entry.dropped = true;
        res.socket?.destroy();
        return;
      }
      case 'mock-truncated': {
        // A clean end of the body (final zero-length chunk) without finish_reason or [DONE].
        if (!(await partialStream(s, meta, TRUNCATED_DELTAS))) return;
        return s.end();
      }
      case 'mock-slow': {
        const n = Math.floor(SLOW_DURATION_MS / SLOW_INTERVAL_MS);
        const deltas = Array.from({ length: n }, (_, i) => `tick ${i} `);
        return streamDeltas(s, meta, deltas, { includeUsage, gap: SLOW_INTERVAL_MS });
      }
      case 'mock-utf8': {
        const events = [
          sse(chunkObj(meta, { role: 'assistant', content: '' })),
          ...UTF8_DELTAS.map((d) => sse(chunkObj(meta, { content: d }))),
          sse(chunkObj(meta, {}, 'stop')),
          ...(includeUsage ? [sse(usageObj(meta, UTF8_DELTAS.length))] : []),
          sse('[DONE]'),
        ];
        if (!(await s.wait(FIRST_CHUNK_MS))) return;
        let first = true;
        for (const ev of events) {
          for (const piece of splitInsideMultibyte(Buffer.from(ev, 'utf8'))) {
            if (!first && !(await s.wait(UTF8_GAP_MS))) return;
            first = false;
            if (!s.write(piece)) return;
          }
        }
        return s.end();
      }
      case 'mock-crlf':
        return streamDeltas(s, meta, HAPPY_DELTAS, {
          eol: '\r\n',
          includeUsage,
          preamble: ': keep-alive\r\n\r\n',
          splitCrlf: true,
        });
      case 'mock-echo':
      case 'mock-markdown':
      case 'mock-code-long':
      case 'mock-xss':
      case 'mock-think':
      case 'mock-reasoning':
      case 'mock-reasoning-alt':
      case 'mock-reasoning-only':
      case 'mock-long':
        return chatScenario(req, s, meta, scenario, body, includeUsage);
      case 'mock-auth':
      case 'mock-happy':
      default:
        return streamDeltas(s, meta, HAPPY_DELTAS, { includeUsage });
    }
  }

  // The scenarios of the other protocols (and the protocol-only ones on chat/completions).
  async function handleProtocol(req, res, entry, protocol) {
    const raw = await readBody(req);
    entry.rawBody = raw.toString('utf8');
    entry.protocol = protocol;
    let body;
    try {
      body = JSON.parse(entry.rawBody);
    } catch {
      entry.status = 400;
      return sendJson(req, res, 400, errorBody(protocol, 'Invalid JSON in request body.'));
    }
    entry.body = body;
    const problem = requestProblem(protocol, body, req.headers);
    if (problem) {
      entry.status = 400;
      return sendJson(req, res, 400, errorBody(protocol, problem));
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const scenario = SCENARIOS.includes(model) ? model : DEFAULT_SCENARIO;
    const stream = body.stream === true;
    Object.assign(entry, { model, scenario, stream });
    if (scenario === 'mock-auth' && keyOf(protocol, req.headers) !== AUTH_KEY) {
      entry.status = 401;
      await sleep(30);
      const message = protocol === 'anthropic' ? 'invalid x-api-key' : AUTH_ERROR.error.message;
      return sendJson(req, res, 401, errorBody(protocol, message, protocol === 'anthropic' ? 'authentication_error' : 'invalid_request_error', 'invalid_api_key'));
    }
    return playProtocol(req, res, entry, protocol, scenario, body, stream);
  }

  async function playProtocol(req, res, entry, protocol, scenario, body, stream) {
    entry.protocol = protocol;
    const messages = requestMessages(protocol, body);
    const wire = new Wire(protocol, {
      id: `mock${entry.id}`,
      model: entry.model || DEFAULT_SCENARIO,
      eol: scenario === 'mock-crlf' ? '\r\n' : '\n',
      promptTokens: JSON.stringify(messages).length >> 2,
    });
    const s = makeSession(req, res, entry);
    s.end = () => {
      if (!s.closed) res.end();
    };
    res.socket?.setNoDelay(true);
    if (scenario === 'mock-http-error') {
      if (!(await s.wait(FIRST_CHUNK_MS))) return;
      const status = protocol === 'anthropic' ? 529 : 500;
      entry.status = status;
      return sendJson(req, res, status, errorBody(protocol, HTTP_ERROR_MESSAGE, protocol === 'anthropic' ? 'overloaded_error' : 'server_error'));
    }
    let deltas = HAPPY_DELTAS;
    if (scenario === 'mock-echo') {
      const user = [...messages].reverse().find((m) => m && m.role === 'user');
      const text = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
      deltas = echoText(bump('mock-echo'), text).split(/(?= )/);
    } else if (scenario === 'mock-utf8') deltas = UTF8_DELTAS;
    else if (scenario === 'mock-length') deltas = LENGTH_DELTAS;
    else if (scenario === 'mock-midstream-error' || scenario === 'mock-error-event') deltas = MIDSTREAM_ERROR_DELTAS;
    else if (scenario === 'mock-drop') deltas = DROP_DELTAS;
    else if (scenario === 'mock-truncated') deltas = TRUNCATED_DELTAS;
    else if (scenario === 'mock-slow') deltas = Array.from({ length: Math.floor(SLOW_DURATION_MS / SLOW_INTERVAL_MS) }, (_, i) => `tick ${i} `);
    else if (scenario === 'mock-tools' || scenario === 'mock-reasoning') deltas = scenario === 'mock-reasoning' ? [ANSWER_AFTER_REASONING] : [];
    const reason = scenario === 'mock-length' ? 'length' : scenario === 'mock-tools' ? 'tool_calls' : 'stop';

    if (!stream) {
      if (scenario === 'mock-drop') {
        if (!(await s.wait(FIRST_DELTA_MS))) return;
        entry.dropped = true;
        return res.socket?.destroy();
      }
      if (!(await s.wait(FIRST_DELTA_MS + DELTA_GAP_MS * deltas.length))) return;
      entry.status = 200;
      return sendJson(req, res, 200, wholeBody(protocol, {
        id: wire.id,
        model: wire.model,
        text: deltas.join(''),
        reasoning: scenario === 'mock-reasoning' ? REASONING_TEXT : '',
        tools: scenario === 'mock-tools' ? TOOL_CALLS : [],
        reason,
        promptTokens: wire.promptTokens,
        completionTokens: Math.max(1, deltas.length),
      }));
    }

    entry.status = 200;
    startSse(req, res);
    // Each step: its events, written as one network write after `gap` ms.
    const steps = [];
    if (scenario === 'mock-crlf') steps.push([wire.ping().join('')]);
    steps.push(wire.start());
    if (scenario === 'mock-reasoning') for (const r of REASONING_PARTS) steps.push(wire.reasoning(r));
    for (const d of deltas) steps.push(wire.text(d));
    if (scenario === 'mock-tools') {
      TOOL_CALLS.forEach((call, index) => {
        steps.push(wire.toolStart(index, call.id, call.name));
        for (let i = 0; i < call.arguments.length; i += TOOL_ARG_PIECE) steps.push(wire.toolArgs(index, call.arguments.slice(i, i + TOOL_ARG_PIECE)));
      });
    }
    const failing = scenario === 'mock-midstream-error' || scenario === 'mock-error-event';
    if (failing) {
      steps.push(scenario === 'mock-error-event' ? wire.errorEvent(MIDSTREAM_ERROR_MESSAGE) : wire.error(MIDSTREAM_ERROR_MESSAGE));
      // Nothing after the failure may show: more text, a finish, the terminal event.
      steps.push([...wire.text(' SHOULD NOT APPEAR'), ...wire.finish('stop'), ...wire.done()]);
    } else if (scenario !== 'mock-drop') {
      steps.push(wire.finish(reason, { usage: true }));
      if (scenario !== 'mock-truncated') steps.push(wire.done());
    }
    const gap = scenario === 'mock-slow' ? SLOW_INTERVAL_MS : scenario === 'mock-tools' ? 15 : DELTA_GAP_MS;
    for (let i = 0; i < steps.length; i++) {
      if (!(await s.wait(i === 0 ? FIRST_CHUNK_MS : i === 1 ? FIRST_DELTA_MS - FIRST_CHUNK_MS : gap))) return;
      const bytes = Buffer.from(steps[i].join(''), 'utf8');
      if (scenario === 'mock-utf8') {
        for (const piece of splitInsideMultibyte(bytes)) {
          if (!s.write(piece)) return;
          if (!(await s.wait(UTF8_GAP_MS))) return;
        }
      } else if (!s.write(bytes)) return;
    }
    if (scenario === 'mock-drop') {
      if (!(await s.wait(100))) return;
      entry.dropped = true;
      return res.socket?.destroy();
    }
    return s.end();
  }

  async function nonStreaming(req, res, s, entry, meta, scenario) {
    let text;
    let delay = FIRST_DELTA_MS + DELTA_GAP_MS * HAPPY_DELTAS.length;
    switch (scenario) {
      case 'mock-midstream-error':
        if (!(await s.wait(FIRST_DELTA_MS))) return;
        entry.status = 500;
        return sendJson(req, res, 500, {
          error: { message: MIDSTREAM_ERROR_MESSAGE, type: 'server_error', param: null, code: null },
        });
      case 'mock-drop':
        if (!(await s.wait(FIRST_DELTA_MS))) return;
        entry.dropped = true;
        res.socket?.destroy();
        return;
      case 'mock-slow':
        text = Array.from({ length: 20 }, (_, i) => `tick ${i} `).join('');
        delay = 20 * SLOW_INTERVAL_MS;
        break;
      case 'mock-utf8':
        text = UTF8_TEXT;
        break;
      default:
        text = HAPPY_TEXT;
    }
    if (!(await s.wait(delay))) return;
    const completionTokens = Math.max(1, text.split(/\s+/).length);
    entry.status = 200;
    sendJson(req, res, 200, {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      system_fingerprint: 'fp_mock',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: meta.promptTokens,
        completion_tokens: completionTokens,
        total_tokens: meta.promptTokens + completionTokens,
      },
    });
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;

    // Test-control routes (not logged).
    if (path === '/__log' && req.method === 'GET') return sendJson(req, res, 200, log);
    if (path === '/__reset' && (req.method === 'POST' || req.method === 'GET')) {
      log.length = 0;
      seen.clear();
      return sendJson(req, res, 200, { ok: true });
    }

    const entry = {
      id: nextId++,
      method: req.method,
      path,
      headers: { ...req.headers },
      authorization: req.headers.authorization ?? null,
      body: null,
      rawBody: null,
      model: null,
      scenario: null,
      stream: null,
      t: Date.now(),
      tEnd: null,
      status: null,
      aborted: false,
      completed: false,
      dropped: false,
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
        entry.status = 204;
        res.writeHead(204, {
          ...corsHeaders(req),
          'access-control-allow-methods': 'POST, GET, OPTIONS',
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': '600',
          'content-length': '0',
        });
        return res.end();
      }
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        entry.status = 200;
        return sendJson(req, res, 200, {
          object: 'list',
          data: SCENARIOS.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'chat-stream-e2e' })),
        });
      }
      if (req.method === 'GET' && path === '/auth/v1/models') {
        // A models list that needs the key (list-models error path).
        if ((req.headers.authorization || '') !== `Bearer ${AUTH_KEY}`) {
          entry.status = 401;
          return sendJson(req, res, 401, AUTH_ERROR);
        }
        entry.status = 200;
        return sendJson(req, res, 200, {
          object: 'list',
          data: SCENARIOS.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'chat-stream-e2e' })),
        });
      }
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
        return await handleCompletion(req, res, entry);
      }
      if (req.method === 'POST' && /^(\/v1)?\/(responses|messages)$/.test(path)) {
        return await handleProtocol(req, res, entry, protocolOfPath(path));
      }
      entry.status = 404;
      return sendJson(req, res, 404, {
        error: { message: `Unknown route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'not_found' },
      });
    } catch (err) {
      entry.error = String(err?.stack || err);
      if (!res.headersSent) sendJson(req, res, 500, { error: { message: String(err), type: 'server_error', param: null, code: null } });
      else res.destroy();
    }
  });
  const { url, port: actualPort, close } = await listen(server, port, host);

  return {
    url,
    port: actualPort,
    baseUrl: `${url}/v1`,
    log,
    reset() {
      log.length = 0;
      seen.clear();
    },
    close: () => close(timers),
  };
}


if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  const srv = await startMockServer({
    port: Number(args.port ?? 8787),
    host: args.host ?? '127.0.0.1',
    quiet: false,
  });
  console.log(`mock server on ${srv.url}/v1`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
