// Helpers for the tests against REAL servers (e2e/real/*.test.mjs): the project's own
// local/llama-server.sh (llama.cpp + Gemma 3 270M) and the run command `bash .ci/serve`.
// Not a test file itself (no `.test.` in the name), so `node --test e2e/real/` skips it.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, sel, inPage } from '../helpers.mjs';

export const REAL_DIR = fileURLToPath(new URL('.', import.meta.url));
export const DIAG_DIR = path.join(REAL_DIR, 'screenshots');
export const MODEL = 'gemma-3-270m';

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));
export const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

/** True if something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port, timeout = 1500) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeout, () => done(true)); // no RST within the timeout: something is there
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A port on 127.0.0.1 that is free now: `preferred` if free, else one the kernel picks. */
export async function freePort(preferred) {
  if (preferred && !(await portOpen(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Process `pid` exists and is not a zombie. */
export function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // gone between the two checks
  }
}

/** SIGTERM `pid`, wait up to `graceMs` for it to end, then SIGKILL. Resolves when it is gone. */
export async function stopPid(pid, graceMs = 10_000) {
  if (!pid || !alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const t0 = Date.now();
  while (alive(pid) && Date.now() - t0 < graceMs) await delay(50);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    while (alive(pid) && Date.now() - t0 < graceMs + 5000) await delay(50);
  }
}

/** `pgrep -af PATTERN` lines (pgrep never lists itself), [] when none. */
export function pgrep(pattern) {
  return new Promise((resolve) => {
    execFile('pgrep', ['-af', pattern], (err, stdout) => {
      if (err && err.code !== 1) resolve([`pgrep failed: ${err.message}`]);
      else resolve(String(stdout || '').split('\n').filter(Boolean));
    });
  });
}

/**
 * Start llama.cpp's llama-server with Gemma 3 270M through the project's own script
 * (`local/llama-server.sh --background --pidfile F --port P --threads 1 [--api-key K]`).
 * Returns { port, url (…/v1), pid, apiKey, stop() }. The script returns once /health is 200.
 */
export async function startLlama({ port, apiKey, threads = 1, timeout = 600_000 } = {}) {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'chat-stream-real-'));
  const pidfile = path.join(tmp, 'llama.pid');
  const args = ['local/llama-server.sh', '--background', '--pidfile', pidfile, '--port', String(port), '--threads', String(threads)];
  if (apiKey) args.push('--api-key', apiKey);
  const out = [];
  const child = spawn('bash', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => out.push(String(d)));
  child.stderr.on('data', (d) => out.push(String(d)));
  const server = {
    port,
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    pid: null,
    pidfile,
    output: () => out.join(''),
    // Kill the server (pid from the pidfile) and wait until it has exited; then drop the temp dir.
    stop: async () => {
      if (child.exitCode == null && child.signalCode == null) child.kill('SIGTERM'); // still starting: its trap stops the server
      let pid = server.pid;
      if (!pid) {
        const raw = await fsp.readFile(pidfile, 'utf8').catch(() => '');
        pid = Number(raw.trim()) || null;
      }
      await stopPid(pid);
      await fsp.rm(tmp, { recursive: true, force: true });
    },
  };
  const rc = await new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      resolve('timeout');
    }, timeout);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
  const raw = await fsp.readFile(pidfile, 'utf8').catch(() => '');
  server.pid = Number(raw.trim()) || null;
  if (rc !== 0 || !server.pid || !alive(server.pid)) {
    await server.stop();
    throw new Error(`local/llama-server.sh ${args.slice(1).join(' ').replace(apiKey || '\0', '***')} failed (exit ${rc}, pid ${server.pid}):\n${server.output()}`);
  }
  return server;
}

/** helpers.mjs's `inPage`, with diagnostics in e2e/real/screenshots/. */
export const withPage = (browser, t, fn) => inPage(browser, t, fn, { diagDir: DIAG_DIR });

/** Open `url` and wait until the wasm app is mounted and idle. */
export async function openUrl(page, url, timeout = 60_000) {
  await page.goto(url, { waitUntil: 'load', timeout });
  await page.locator(sel('chat')).waitFor({ state: 'attached', timeout });
  // `?runs=N` opens the lab's view instead of the chat.
  const pane = await page.locator(sel('chat')).getAttribute('data-pane');
  await page.locator(sel(pane === 'lab' ? 'lab' : 'send')).waitFor({ state: 'visible', timeout });
  return page;
}

/** Numeric data-value of the first element with this test id, or null when absent/empty. */
export async function dataValue(page, testid) {
  const raw = await page.evaluate((s) => document.querySelector(s)?.getAttribute('data-value') ?? null, sel(testid));
  return raw == null || raw === '' ? null : Number(raw);
}

/** POST bodies of chat completion requests the page made. */
export const completionPosts = (probe) => probe.posts.filter((p) => p.url.endsWith('/chat/completions'));
