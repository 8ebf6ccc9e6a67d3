// Shared by the browser benchmarks (run.mjs: streaming, startup.mjs: start-up): the browser, the
// replay server process, the build, the implementations compared, option parsing and formatting.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from '../../e2e/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');
export { CHROMIUM, CHROMIUM_ARGS };

/**
 * The implementations, and how the runners find their controls. Playwright locators pierce open
 * shadow roots; the in-page scripts (instrument.js, startup-probe.js) search the document and
 * every shadow root created in the page.
 *   prompt  the text box (a <textarea>, or deep-chat's contenteditable <div>)
 *   send    the send control when it can send (deep-chat's submit button only has the class
 *           `submit-button` when enabled; `disabled-button` otherwise)
 *   answer  the assistant message element(s); the last one is the answer being streamed
 *   peer    see below
 */
export const IMPLS = {
  ours: { label: 'ours', prompt: '[data-testid="prompt"]', send: '[data-testid="send"]', answer: '[data-testid="message-assistant"]' },
  baseline: { label: 'baseline', prompt: '[data-testid="prompt"]', send: '[data-testid="send"]', answer: '[data-testid="message-assistant"]' },
  'deep-chat': { label: 'deep-chat', prompt: '#text-input', send: '.input-button.submit-button', answer: '.ai-message-text', peer: true },
};
// `peer`: someone else's component. A turn of it that ends wrong (an error, an incomplete answer)
// is a finding, recorded and reported; for ours and the baseline it stops the benchmark (a bug to
// fix first).

export const packageVersion = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
};

export const PATH_ENV = { ...process.env, PATH: `${path.join(REPO, 'node_modules/.bin')}:${os.homedir()}/.cargo/bin:${process.env.PATH}` };

/** First line of a command's output, or "unavailable (cmd)". */
export const sh = (cmd, args, env) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : `unavailable (${cmd})`;
};

/**
 * The built app: `dist` (or `<repo>/dist`) with the `required` files (paths relative to it) and a
 * .wasm somewhere in it. When the default dist is missing, builds it; an explicit one must exist.
 */
export function ensureDist(dist, { required = ['index.html'] } = {}) {
  const dflt = path.join(REPO, 'dist');
  const dir = dist ?? dflt;
  const built = () => required.every((f) => fs.existsSync(path.join(dir, f))) && wasmFiles(dir).length > 0;
  if (built()) return dir;
  if (dist) throw new Error(`--dist ${dir}: no ${required.join(', ')} and .wasm there`);
  console.log(`${dflt} is missing: building the app (bash .ci/setup build && trunk build --release)…`);
  const r = spawnSync('bash', ['-c', 'bash .ci/setup build && trunk build --release'], {
    cwd: REPO,
    stdio: 'inherit',
    env: { ...PATH_ENV, TRUNK_SKIP_VERSION_CHECK: 'true' },
  });
  if (r.status !== 0 || !built()) throw new Error('the release build failed');
  return dir;
}

/** Every .wasm under `dir` (relative paths), whatever the build calls them. */
export function wasmFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.wasm')).map(String).sort();
}

/** The replay server in its own process (its timers must not share the runner's event loop). */
export async function startReplay(pregen = []) {
  const child = spawn(process.execPath, [path.join(HERE, 'replay-server.mjs'), '--port', '0', '--pregen', pregen.join(',')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /replay server on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`replay server exited (${code})`)));
  });
  return {
    url,
    async log() {
      return (await fetch(`${url}/__log`)).json();
    },
    async reset() {
      await fetch(`${url}/__reset`, { method: 'POST' });
    },
    close() {
      child.kill('SIGTERM');
    },
  };
}

export async function launch() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Makes every request to a host other than 127.0.0.1/localhost fail at once (no CDN, no web
 * fonts, no telemetry: the benchmark is offline) and counts them in `blocked`.
 */
export async function blockExternal(context, blocked) {
  await context.route(
    (url) => !['127.0.0.1', 'localhost'].includes(url.hostname) && /^https?:$/.test(url.protocol),
    (route) => {
      blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
}

/** `--name value` / `--name=value` options; `spec` maps a name to 'flag' | 'value'. */
export function parseCli(argv, spec) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.replace(/=.*$/, '');
    if (!(name in spec)) throw new Error(`unknown option ${a} (see --help)`);
    if (spec[name] === 'flag') {
      out[name] = true;
      continue;
    }
    const eq = a.indexOf('=');
    if (eq >= 0) out[name] = a.slice(eq + 1);
    else if (i + 1 < argv.length) out[name] = argv[++i];
    else throw new Error(`${a} needs a value`);
  }
  return out;
}

/** `--only ours,deep-chat` → the implementations, in the canonical order. */
export function implsFrom(only, allowed = Object.keys(IMPLS)) {
  if (!only) return allowed;
  const want = only.split(',').map((s) => s.trim()).filter(Boolean);
  for (const w of want) if (!allowed.includes(w)) throw new Error(`--only: unknown implementation ${w} (${allowed.join(', ')})`);
  return allowed.filter((x) => want.includes(x));
}

/** Run r's order: the implementations rotated by r, so each one goes first as often as the others. */
export const rotation = (impls, r) => impls.map((_, i) => impls[(i + r) % impls.length]);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

export function fmt(x, digits) {
  if (x == null || Number.isNaN(x)) return '–';
  if (typeof x !== 'number') return String(x);
  if (digits == null) digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const ratio = (a, b) => (a != null && b != null && b !== 0 ? a / b : null);
