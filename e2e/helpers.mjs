// Shared helpers for chat-stream's browser tests (node:test + playwright-core, no bundler).
//
// Each test file calls `useEnv()` once at top level: its before() hook checks that the app is
// built (dist/index.html + a .wasm), starts the mock API and the static server, and launches
// Debian's Chromium; its after() hook tears everything down. Each test then runs inside
// `env.withPage(t, async (page, probe) => { ... })`, which gives it a fresh browser context,
// collects console messages and page errors, and on failure saves a screenshot, the DOM and the
// console under e2e/screenshots/.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startMockServer } from './mock-server.mjs';
import { startStaticServer } from './static-server.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

export const E2E_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = path.resolve(E2E_DIR, '..');
export const DIST_DIR = process.env.E2E_DIST ? path.resolve(process.env.E2E_DIST) : path.join(REPO_ROOT, 'dist');
export const SCREENSHOT_DIR = path.join(E2E_DIR, 'screenshots');
export { CHROMIUM, CHROMIUM_ARGS };

/** Generous timeouts: the CI machine has 2 cores and the wasm is compiled on first load. */
export const TEST_TIMEOUT = 120_000;
export const LOAD_TIMEOUT = 45_000;
export const STATE_TIMEOUT = 30_000;

export const sel = (id) => `[data-testid="${id}"]`;

function findWasm(dir, depth = 0) {
  let out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name.endsWith('.wasm')) out.push(p);
    else if (e.isDirectory() && depth < 3) out = out.concat(findWasm(p, depth + 1));
  }
  return out;
}

/** Throws a clear error unless the app is built. Never skips silently. */
export function assertBuilt(dist = DIST_DIR) {
  const index = path.join(dist, 'index.html');
  if (!fs.existsSync(index)) {
    throw new Error(
      `e2e: ${index} is missing. Build the app first (e.g. \`trunk build --release\` from ${REPO_ROOT}), ` +
        'then run `node --test --test-concurrency=1 e2e/tests/` from the repo root.',
    );
  }
  if (findWasm(dist).length === 0) {
    throw new Error(`e2e: no .wasm file under ${dist}; the build looks incomplete (rebuild the app).`);
  }
}

async function loadPlaywright() {
  try {
    // E2E_PLAYWRIGHT: optional path to another playwright-core install (e.g. /tmp/x/node_modules/playwright-core/index.mjs).
    return await import(process.env.E2E_PLAYWRIGHT ? pathToFileURL(process.env.E2E_PLAYWRIGHT).href : 'playwright-core');
  } catch (err) {
    throw new Error(
      `e2e: cannot import playwright-core (${err.message}). Run \`npm install\` (or \`bash .ci/setup\`) in ${REPO_ROOT}.`,
    );
  }
}

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`e2e: Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
  }
  const { chromium } = await loadPlaywright();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

function slug(s) {
  return String(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

/**
 * Register before/after hooks for the calling test file. Returns an object whose fields
 * (`mock`, `web`, `browser`) are filled in by the before() hook.
 */
export function useEnv() {
  const env = {
    mock: null,
    web: null,
    browser: null,
    /** Run `fn(page, probe)` in a fresh context; diagnostics on failure. `t` = node:test context or a name. */
    withPage: (t, fn) => withPage(env, t, fn),
    /** POST /v1/chat/completions requests seen by the mock (fresh copies). */
    completions: () => env.mock.log.filter((e) => e.method === 'POST' && e.path === '/v1/chat/completions'),
  };
  before(async () => {
    assertBuilt();
    env.mock = await startMockServer({ port: 0 });
    env.web = await startStaticServer({ root: DIST_DIR, port: 0 });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close().catch(() => {});
    await env.mock?.close();
    await env.web?.close();
  });
  return env;
}

async function withPage(env, t, fn) {
  env.mock.reset();
  return inPage(env.browser, t, fn);
}

/**
 * Runs `fn(page, probe)` in a fresh browser context. The probe collects console messages, page
 * errors, requests and POST bodies. Page errors and requests to hosts other than 127.0.0.1 fail
 * the test; on failure a screenshot, the DOM and the console go to `diagDir`.
 */
export async function inPage(browser, t, fn, { diagDir = SCREENSHOT_DIR, viewport = { width: 1100, height: 1000 } } = {}) {
  const name = typeof t === 'string' ? t : t?.name || 'test';
  for (const ext of ['png', 'html', 'console.txt']) {
    await fsp.rm(path.join(diagDir, `${slug(name)}.${ext}`), { force: true });
  }
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(STATE_TIMEOUT);
  const probe = { console: [], pageErrors: [], requests: [], posts: [], name };
  page.on('console', (m) => probe.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => probe.pageErrors.push(String(e?.stack || e)));
  page.on('request', (r) => {
    probe.requests.push(`${r.method()} ${r.url()}`);
    if (r.method() === 'POST') {
      let body = null;
      try {
        body = JSON.parse(r.postData() || 'null');
      } catch {
        body = r.postData();
      }
      probe.posts.push({ url: r.url(), headers: r.headers(), body });
    }
  });
  try {
    await fn(page, probe);
    assert.deepEqual(probe.pageErrors, [],
      'uncaught page errors / unhandled promise rejections (all behaviour assertions of this test passed)');
    // The app must only talk to the page's origin and the configured endpoint (both 127.0.0.1).
    const foreign = probe.requests.filter((r) => {
      const u = new URL(r.slice(r.indexOf(' ') + 1));
      return !['data:', 'blob:'].includes(u.protocol) && u.hostname !== '127.0.0.1';
    });
    assert.deepEqual(foreign, [], 'requests to hosts other than 127.0.0.1');
  } catch (err) {
    await saveDiagnostics(page, probe, name, diagDir).catch((e) => console.error('diagnostics failed:', e));
    throw err;
  } finally {
    await context.close().catch(() => {});
  }
}

async function saveDiagnostics(page, probe, name, diagDir) {
  await fsp.mkdir(diagDir, { recursive: true });
  const base = path.join(diagDir, slug(name));
  await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 10_000 }).catch(() => {});
  const html = await page.content().catch((e) => `<!-- page.content failed: ${e} -->`);
  await fsp.writeFile(`${base}.html`, html);
  const dump = [
    `url: ${page.url()}`,
    `state: ${await chatState(page).catch(() => '?')}`,
    `error: ${await optionalText(page, 'error').catch(() => '?')}`,
    '--- console',
    ...probe.console.map((c) => `[${c.type}] ${c.text}`),
    '--- page errors',
    ...probe.pageErrors,
    '--- requests',
    ...probe.requests,
  ].join('\n');
  await fsp.writeFile(`${base}.console.txt`, dump + '\n');
  console.error(`e2e diagnostics: ${base}.{png,html,console.txt}`);
}

/** URL of the app configured for the mock. */
export function appUrl(env, { model = 'mock-happy', stream = true, endpoint, params = {} } = {}) {
  const u = new URL(`${env.web.url}/`);
  u.searchParams.set('endpoint', endpoint ?? `${env.mock.url}/v1`);
  u.searchParams.set('model', model);
  u.searchParams.set('stream', String(stream));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** Open the app and wait until the component is mounted (wasm loaded) and idle. */
export async function openApp(page, env, opts = {}) {
  await page.goto(appUrl(env, opts), { waitUntil: 'load', timeout: LOAD_TIMEOUT });
  await page.locator(sel('chat')).waitFor({ state: 'attached', timeout: LOAD_TIMEOUT });
  // A page opened on another view (`?runs=N`: the lab) shows that view instead of the chat.
  const pane = await page.locator(sel('chat')).getAttribute('data-pane');
  const shown = pane === 'lab' ? [sel('lab')] : [sel('prompt'), sel('send')];
  for (const s of shown) await page.locator(s).waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
  return page;
}

export async function chatState(page) {
  return page.locator(sel('chat')).getAttribute('data-state');
}

/** Wait until the chat root's data-state is one of `states`; returns it. Fails with context. */
export async function waitForState(page, states, timeout = STATE_TIMEOUT) {
  const want = Array.isArray(states) ? states : [states];
  try {
    const h = await page.waitForFunction(
      ([s, want]) => {
        const el = document.querySelector(s);
        const st = el && el.getAttribute('data-state');
        return want.includes(st) ? st : null;
      },
      [sel('chat'), want],
      { timeout, polling: 'raf' },
    );
    return await h.jsonValue();
  } catch (err) {
    const st = await chatState(page).catch(() => '?');
    const errText = await optionalText(page, 'error');
    throw new Error(
      `timed out after ${timeout} ms waiting for data-state in [${want}]; it is "${st}"` +
        (errText != null ? `; error element: ${JSON.stringify(errText)}` : '') +
        `; last assistant text: ${JSON.stringify(await assistantText(page).catch(() => null))}`,
      { cause: err },
    );
  }
}

/** Wait until the latest assistant message's textContent includes `needle`. */
export async function waitForAssistantIncludes(page, needle, timeout = STATE_TIMEOUT) {
  try {
    await page.waitForFunction(
      ([s, needle]) => {
        const els = document.querySelectorAll(s);
        return els.length > 0 && els[els.length - 1].textContent.includes(needle);
      },
      [sel('message-assistant'), needle],
      { timeout, polling: 'raf' },
    );
  } catch (err) {
    throw new Error(
      `timed out after ${timeout} ms waiting for the assistant text to include ${JSON.stringify(needle)}; ` +
        `it is ${JSON.stringify(await assistantText(page).catch(() => null))}, state "${await chatState(page).catch(() => '?')}"`,
      { cause: err },
    );
  }
}

/** textContent of the latest assistant message, or null if there is none. */
export async function assistantText(page) {
  return page.evaluate((s) => {
    const els = document.querySelectorAll(s);
    return els.length ? els[els.length - 1].textContent : null;
  }, sel('message-assistant'));
}

export async function allTexts(page, testid) {
  return page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.textContent), sel(testid));
}

/** textContent of the first element with this test id, or null if absent. */
export async function optionalText(page, testid) {
  return page
    .evaluate((s) => {
      const el = document.querySelector(s);
      return el ? el.textContent : null;
    }, sel(testid))
    .catch(() => null);
}

/** Numeric data-value of a stat element (asserts that it is present and numeric). */
export async function statValue(page, name) {
  const raw = await page.locator(sel(name)).first().getAttribute('data-value', { timeout: 5_000 });
  const v = Number(raw);
  assert.ok(raw != null && raw !== '' && Number.isFinite(v), `${name} data-value should be numeric, got ${JSON.stringify(raw)}`);
  return v;
}

/** Type `text` into the prompt and click Send. */
export async function sendPrompt(page, text) {
  await page.locator(sel('prompt')).fill(text);
  await page.locator(sel('send')).click();
}

/**
 * Record every DOM change of the chat (data-state + latest assistant text) from now on,
 * with a MutationObserver, so tests can prove incremental rendering without racing a poll.
 */
export async function startRecorder(page) {
  await page.evaluate(
    ([chatSel, asstSel]) => {
      const rec = (window.__e2eRec = []);
      const snap = () => {
        const chat = document.querySelector(chatSel);
        const as = document.querySelectorAll(asstSel);
        const text = as.length ? as[as.length - 1].textContent : null;
        const state = chat ? chat.getAttribute('data-state') : null;
        const last = rec[rec.length - 1];
        if (!last || last.text !== text || last.state !== state) rec.push({ t: performance.now(), state, text, n: as.length });
      };
      snap();
      new MutationObserver(snap).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
        attributeFilter: ['data-state'],
      });
    },
    [sel('chat'), sel('message-assistant')],
  );
}

export async function readRecorder(page) {
  return page.evaluate(() => window.__e2eRec || []);
}

/** Poll a Node-side condition (e.g. the mock's log) without fixed sleeps. */
export async function until(cond, { timeout = STATE_TIMEOUT, interval = 20, message = 'condition' } = {}) {
  const t0 = Date.now();
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** The user message content of a logged request body (the last `role: user` message). */
export function lastUserContent(body) {
  const msgs = (body && body.messages) || [];
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i].role === 'user') return msgs[i].content;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Hostile-server helpers (e2e/hostile-server.mjs, tests/hostile-*.test.mjs and
// tests/security-*.test.mjs).

/**
 * Like `useEnv()`, but the API server is the hostile one (`env.mock` IS the hostile server, so
 * `appUrl`, `openApp` and `env.withPage` work unchanged). `env.completions()` lists every POST to
 * any `…/chat/completions` path (path-selected scenarios and redirects included).
 */
export function useHostileEnv({ noCspCopy = false } = {}) {
  const env = {
    mock: null,
    web: null,
    browser: null,
    /** With `noCspCopy`: a static server of a copy of dist/ whose index.html has no CSP <meta>. */
    webNoCsp: null,
    /** `env` as seen by `openApp`/`appUrl`, but serving the CSP-less copy. */
    noCsp: null,
    withPage: (t, fn) => withPage(env, t, fn),
    completions: () => env.mock.log.filter((e) => e.method === 'POST' && e.path.endsWith('/chat/completions')),
  };
  let tmp = null;
  before(async () => {
    assertBuilt();
    const { startHostileServer } = await import('./hostile-server.mjs');
    env.mock = await startHostileServer({ port: 0 });
    env.web = await startStaticServer({ root: DIST_DIR, port: 0 });
    if (noCspCopy) {
      const os = await import('node:os');
      tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'chat-stream-nocsp-'));
      await fsp.cp(DIST_DIR, tmp, { recursive: true });
      const index = path.join(tmp, 'index.html');
      const html = await fsp.readFile(index, 'utf8');
      const stripped = html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/is, '');
      if (stripped === html) throw new Error('e2e: no Content-Security-Policy <meta> found in dist/index.html');
      await fsp.writeFile(index, stripped);
      env.webNoCsp = await startStaticServer({ root: tmp, port: 0 });
      env.noCsp = {
        get mock() {
          return env.mock;
        },
        web: env.webNoCsp,
      };
    }
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close().catch(() => {});
    await env.mock?.close();
    await env.web?.close();
    await env.webNoCsp?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });
  return env;
}

/** The chat's final-state report in one atomic read: state, kept text and every notice. */
export async function turnReport(page) {
  return page.evaluate(() => {
    const q = (id) => document.querySelector(`[data-testid="${id}"]`);
    const t = (id) => (q(id) ? q(id).textContent : null);
    const as = document.querySelectorAll('[data-testid="message-assistant"]');
    return {
      state: q('chat')?.getAttribute('data-state') ?? null,
      text: as.length ? as[as.length - 1].textContent : null,
      assistantCount: as.length,
      error: t('error'),
      warning: t('warning'),
      stopped: t('stopped'),
      waiting: t('waiting'),
    };
  });
}

/** Send `prompt`, wait for a terminal state (done/error/stopped), return `turnReport`. */
export async function runTurn(page, prompt = 'Go', timeout = STATE_TIMEOUT) {
  await sendPrompt(page, prompt);
  await waitForState(page, ['done', 'error', 'stopped'], timeout);
  // One more frame, so text coalesced per animation frame is flushed before reading.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return turnReport(page);
}

/**
 * Counts animation frames between a Stop gesture (a click on [data-testid=stop], or Escape
 * pressed anywhere) and `data-state` becoming "stopped". Install after `openApp`.
 */
export async function installStopProbe(page) {
  await page.evaluate(() => {
    const p = (window.__stopProbe = { t0: null, frames: 0, tStopped: null, framesAtStopped: null, gesture: null });
    const start = (gesture) => {
      if (p.t0 != null) return;
      p.t0 = performance.now();
      p.gesture = gesture;
      const loop = () => {
        if (p.tStopped != null) return;
        p.frames++;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    };
    addEventListener('click', (e) => e.target?.closest?.('[data-testid="stop"]') && start('click'), true);
    addEventListener('keydown', (e) => e.key === 'Escape' && start('escape'), true);
    const chat = document.querySelector('[data-testid="chat"]');
    new MutationObserver(() => {
      if (p.t0 != null && p.tStopped == null && chat.getAttribute('data-state') === 'stopped') {
        p.tStopped = performance.now();
        p.framesAtStopped = p.frames;
      }
    }).observe(chat, { attributes: true, attributeFilter: ['data-state'] });
  });
}

export async function readStopProbe(page) {
  return page.evaluate(() => window.__stopProbe);
}

/** Wait until the server logs the client closing the completion's connection; returns the entry. */
export async function waitForClientClose(env, { timeout = 2_000 } = {}) {
  return until(() => env.completions().find((e) => e.aborted), {
    timeout,
    message: `the server to see the client close the connection (log: ${JSON.stringify(
      env.completions().map(({ path, status, aborted, completed, tEnd }) => ({ path, status, aborted, completed, tEnd })),
    )})`,
  });
}

/**
 * Security traps, installed before the page loads: records Content-Security-Policy violations
 * (`window.__cspViolations`) and every dialog (alert/confirm/prompt, auto-dismissed).
 */
export async function installSecurityTraps(page) {
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  return { dialogs };
}

/**
 * What is live in the chat after untrusted text was shown: window.__pwned, CSP violations, and
 * any dangerous element / attribute / link inside [data-testid=chat].
 */
export async function inertnessReport(page) {
  return page.evaluate(() => {
    const chat = document.querySelector('[data-testid="chat"]');
    const all = chat ? [...chat.querySelectorAll('*')] : [];
    // Anywhere in the chat: elements the app never creates. Inside the regions that show untrusted
    // text (messages, notices, chunk log): also images, SVG, MathML and forms.
    const never = ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'base', 'meta', 'link', 'style', 'template', 'portal'];
    const notInText = ['img', 'svg', 'math', 'form', 'video', 'audio', 'source', 'picture', 'marquee'];
    const untrusted = '.cs-msg, [data-testid^="message-"], [data-testid="error"], [data-testid="warning"], [data-testid="refusal"], [data-testid="chunk-log"]';
    const dangerousTags = all
      .filter((e) => never.includes(e.localName) || (notInText.includes(e.localName) && e.closest(untrusted)))
      .map((e) => e.outerHTML.slice(0, 120));
    const handlerAttrs = all.flatMap((e) =>
      [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName.toLowerCase()}[${a.name}=${a.value.slice(0, 60)}]`));
    const jsUrls = all.flatMap((e) =>
      [...e.attributes]
        .filter((a) => /^(href|src|xlink:href|action|formaction|data|srcdoc)$/i.test(a.name))
        .map((a) => ({ tag: e.tagName.toLowerCase(), name: a.name, value: a.value })));
    const badLinks = [...(chat ? chat.querySelectorAll('a[href]') : [])]
      .map((a) => a.getAttribute('href'))
      .filter((h) => !/^(https?:|mailto:)/i.test(h.trim()));
    const badUrls = jsUrls.filter((u) => /^\s*(javascript|data|vbscript):/i.test(u.value));
    return {
      pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned),
      cspViolations: window.__cspViolations || [],
      dangerousTags,
      handlerAttrs,
      badLinks,
      badUrls,
    };
  });
}

/**
 * Awaits `promise`, but if the page does not settle it within `ms` (e.g. its main thread is
 * frozen, so even Playwright's own timeouts cannot answer), closes the page and throws `what`.
 * Closing first keeps the failure diagnostics from hanging on the frozen page.
 */
export async function pageDeadline(page, promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (no answer from the page within ${ms} ms: is its main thread frozen?)`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } catch (err) {
    if (/no answer from the page/.test(err.message)) await page.close({ runBeforeUnload: false }).catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Chat-experience helpers (tests/chat-*.test.mjs and tests/screenshots.test.mjs).

/** Like `env.withPage`, with `inPage` options (e.g. `{ viewport: { width: 360, height: 740 } }`). */
export async function withPageOpts(env, t, opts, fn) {
  env.mock.reset();
  return inPage(env.browser, t, fn, opts);
}

/** Two animation frames: text coalesced per frame and rAF scrolling are applied after this. */
export async function frames(page, n = 2) {
  await page.evaluate((n) => new Promise((r) => {
    const step = (k) => (k <= 0 ? r() : requestAnimationFrame(() => step(k - 1)));
    step(n);
  }), n);
}

/** Wait for a terminal state (done/error/stopped) and two frames; returns the state. */
export async function waitForTurnEnd(page, timeout = STATE_TIMEOUT) {
  const st = await waitForState(page, ['done', 'error', 'stopped'], timeout);
  await frames(page);
  return st;
}

/** Send `text` and wait for the turn to end; returns the final state. */
export async function sendAndWait(page, text, timeout = STATE_TIMEOUT) {
  await sendPrompt(page, text);
  return waitForTurnEnd(page, timeout);
}

/**
 * The conversation as shown, in one atomic read: every message in order with its role, text
 * (message-user / message-assistant textContent), and for answers data-status and message-error.
 */
export async function conversationView(page) {
  return page.evaluate(() => {
    const log = document.querySelector('[data-testid="messages"]') || document;
    const nodes = log.querySelectorAll('[data-testid="message-user"], [data-testid="message-assistant"]');
    return [...nodes].map((el) => {
      if (el.getAttribute('data-testid') === 'message-user') return { role: 'user', text: el.textContent };
      const art = el.closest('[data-status]');
      const err = art && art.querySelector('[data-testid="message-error"], [data-testid="error"]');
      return {
        role: 'assistant',
        text: el.textContent,
        status: art ? art.getAttribute('data-status') : null,
        error: err ? err.textContent : null,
      };
    });
  });
}

/** Every `chat-stream.*` entry of localStorage and sessionStorage, and the cookie. */
export async function storageDump(page) {
  return page.evaluate(() => {
    const dump = (s) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]));
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie };
  });
}

/** Reload the page and wait until the app is mounted again (same context: storage is kept). */
export async function reloadApp(page, url) {
  if (url) await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT });
  else await page.reload({ waitUntil: 'load', timeout: LOAD_TIMEOUT });
  await page.locator(sel('chat')).waitFor({ state: 'attached', timeout: LOAD_TIMEOUT });
  await page.locator(sel('prompt')).waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
  await frames(page);
}

/** The `{role, content}` of every message of a logged request body. */
export function bodyMessages(entry) {
  return ((entry && entry.body && entry.body.messages) || []).map((m) => ({ ...m }));
}

/** Wait until `fn(arg)` (run in the page) is truthy; returns its value. Fails with `what`. */
export async function waitInPage(page, fn, arg, what, timeout = STATE_TIMEOUT) {
  try {
    const h = await page.waitForFunction(fn, arg, { timeout, polling: 'raf' });
    return await h.jsonValue();
  } catch (err) {
    throw new Error(`timed out after ${timeout} ms waiting for ${what} (state "${await chatState(page).catch(() => '?')}")`, { cause: err });
  }
}

/**
 * The `buttonId` control belonging to the `index`-th element with test id `anchorId` (e.g. the
 * `copy` button of the 2nd `message-user`): found in the nearest ancestor that holds that one
 * message only. Returns a locator.
 */
export async function controlOf(page, anchorId, index, buttonId) {
  const token = `p${Math.random().toString(36).slice(2)}`;
  const found = await page.evaluate(([a, i, b, token]) => {
    const el = document.querySelectorAll(`[data-testid="${a}"]`)[i];
    const msgSel = '[data-testid="message-user"], [data-testid="message-assistant"], [data-testid="edit-input"]';
    for (let p = el; p; p = p.parentElement) {
      if (p.querySelectorAll(msgSel).length > 1) break;
      const btn = p.querySelector(`[data-testid="${b}"]`);
      if (btn) {
        btn.setAttribute('data-e2e-pick', token);
        return true;
      }
    }
    return false;
  }, [anchorId, index, buttonId, token]);
  assert.ok(found, `no [data-testid=${buttonId}] belongs to [data-testid=${anchorId}] #${index}`);
  return page.locator(`[data-e2e-pick="${token}"]`);
}

// ---------------------------------------------------------------------------------------------
// The embed: examples/static-site/index.html, copied to a temporary folder outside the
// repo and served from its own port; the loader comes from the app's static server (another
// origin), the endpoint is the mock. Rewrites: the loader origin and the endpoint, and the models
// (#first → mock-echo, #pirate → mock-happy, the JS-mounted one → mock-utf8).

/**
 * In-page instrumentation for the embed tests (an init script): records every chat-stream:* event
 * heard on `document`, and tracks listeners, intervals, timeouts and animation frames made after
 * `__csTrack.mark()` to find what an unmounted instance left behind.
 */
const EMBED_TRACKING = () => {
  window.__csEvents = [];
  for (const type of ['start', 'delta', 'done', 'error']) {
    document.addEventListener(`chat-stream:${type}`, (e) =>
      window.__csEvents.push({
        type,
        id: e.target.id,
        bubbles: e.bubbles,
        composed: e.composed,
        detail: JSON.parse(JSON.stringify(e.detail)),
      }),
    );
  }
  let seq = 0;
  let mark = Infinity;
  const live = new Set();
  const capture = (o) => (typeof o === 'boolean' ? o : !!(o && o.capture));
  const { addEventListener: add, removeEventListener: remove } = EventTarget.prototype;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (listener) live.add({ target: this, type, listener, capture: capture(options), seq: ++seq });
    return add.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    for (const e of live) {
      if (e.target === this && e.type === type && e.listener === listener && e.capture === capture(options)) live.delete(e);
    }
    return remove.call(this, type, listener, options);
  };
  const pending = { intervals: new Map(), timeouts: new Map(), frames: new Map() };
  const wrap = (set, clear, map, once) => {
    const origSet = window[set];
    const origClear = window[clear];
    window[set] = function (fn, ...rest) {
      let id;
      const run = typeof fn === 'function' && once ? function (...a) { map.delete(id); return fn.apply(this, a); } : fn;
      id = origSet.call(window, run, ...rest);
      map.set(id, ++seq);
      return id;
    };
    window[clear] = function (id) {
      map.delete(id);
      return origClear.call(window, id);
    };
  };
  wrap('setInterval', 'clearInterval', pending.intervals, false);
  wrap('setTimeout', 'clearTimeout', pending.timeouts, true);
  wrap('requestAnimationFrame', 'cancelAnimationFrame', pending.frames, true);
  const name = (t) =>
    t === window ? 'window' : t === document ? 'document' : t instanceof ShadowRoot ? `#shadow-root(${t.host.id})` : t.id ? `#${t.id}` : t.nodeName || String(t);
  window.__csTrack = {
    mark() {
      mark = seq + 1;
    },
    leftovers() {
      const after = (s) => s >= mark;
      const reachable = (t) => t === window || t === document || (t instanceof Node && t.isConnected);
      const count = (m) => [...m.values()].filter(after).length;
      return {
        listeners: [...live].filter((e) => after(e.seq) && reachable(e.target)).map((e) => `${name(e.target)}:${e.type}`),
        intervals: count(pending.intervals),
        timeouts: count(pending.timeouts),
        frames: count(pending.frames),
      };
    },
  };
};

export function useEmbedEnv() {
  const env = {
    mock: null,
    web: null,
    site: null,
    browser: null,
    siteDir: null,
    withPage: (t, fn) => {
      env.mock.reset();
      return inPage(env.browser, t, async (page, probe) => {
        await page.addInitScript(EMBED_TRACKING);
        await fn(page, probe);
      });
    },
    completions: () => env.mock.log.filter((e) => e.method === 'POST' && e.path === '/v1/chat/completions'),
    /** Open the example page; resolves when all three chats are mounted. */
    async openExample(page) {
      await page.goto(`${env.site.url}/`, { waitUntil: 'load', timeout: LOAD_TIMEOUT });
      for (const id of ['first', 'pirate', 'scripted']) {
        await page.locator(`#${id} ${sel('send')}`).waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
      }
      await page.waitForFunction(() => window.scriptedChat, null, { timeout: LOAD_TIMEOUT });
    },
    /** The mock's log entry of the latest request for `model`, once its connection has closed. */
    async waitForClose(model, timeout = STATE_TIMEOUT) {
      const end = Date.now() + timeout;
      for (;;) {
        const e = env.completions().filter((x) => x.model === model).at(-1);
        if (e && e.tEnd) return e;
        if (Date.now() > end) throw new Error(`the mock never saw the ${model} request close: ${JSON.stringify(e)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** Listener counts from Chrome's own bookkeeping (CDP DOMDebugger.getEventListeners). */
    async listenerCounts(page, hostSelector, hostFn) {
      const cdp = await page.context().newCDPSession(page);
      const count = async (expression) => {
        const { result } = await cdp.send('Runtime.evaluate', { expression });
        const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
        return listeners.length;
      };
      const host = hostSelector ? `document.querySelector(${JSON.stringify(hostSelector)})` : `(${hostFn})()`;
      const out = { window: await count('window'), document: await count('document'), host: await count(host) };
      await cdp.detach();
      return out;
    },
  };
  before(async () => {
    assertBuilt();
    env.mock = await startMockServer({ port: 0 });
    env.web = await startStaticServer({ root: DIST_DIR, port: 0 });
    env.siteDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'chat-stream-site-'));
    const example = await fsp.readFile(path.join(REPO_ROOT, 'examples', 'static-site', 'index.html'), 'utf8');
    const models = ['mock-echo', 'mock-happy'];
    const page = example
      .replaceAll('http://127.0.0.1:8080', env.web.url)
      .replaceAll('http://127.0.0.1:8081/v1', `${env.mock.url}/v1`)
      .replace(/model="gemma-3-270m"/g, () => `model="${models.shift()}"`)
      .replace('model: "gemma-3-270m"', 'model: "mock-utf8"');
    assert.ok(!page.includes('gemma-3-270m') && !page.includes(':8080') && !page.includes(':8081'), 'example rewritten');
    await fsp.writeFile(path.join(env.siteDir, 'index.html'), page);
    env.site = await startStaticServer({ root: env.siteDir, port: 0 });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close().catch(() => {});
    await env.mock?.close();
    await env.web?.close();
    await env.site?.close();
    if (env.siteDir) await fsp.rm(env.siteDir, { recursive: true, force: true });
  });
  return env;
}

/**
 * Opens the chunk log (its rows are only rendered while it is open) and waits until its list is
 * rendered. No-op when it is already open.
 */
export async function openChunkLog(page) {
  await page.evaluate((s) => {
    const d = document.querySelector(s);
    if (d && 'open' in d && !d.open) d.open = true; // fires `toggle`
  }, sel('chunk-log'));
  // The list is rendered (possibly empty) once the log is open.
  await page.waitForFunction((s) => document.querySelector(`${s} ol`), sel('chunk-log'), { timeout: STATE_TIMEOUT });
}

/** Open the settings drawer (the settings fields live in it); a no-op when it is open. */
export async function openSettings(page) {
  const drawer = page.locator(sel('settings-drawer'));
  if (!(await drawer.isVisible())) await page.locator(sel('settings-open')).click();
  await drawer.waitFor({ state: 'visible', timeout: 5_000 });
}
