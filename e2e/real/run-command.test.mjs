// Smoke test of the README's run command, `bash .ci/serve`: it sets up the tools, starts the
// local llama-server (Gemma 3 270M), serves the built app on loopback and prints
// "chat-stream is ready: URL". This test starts it in its own process group, waits for that line
// (up to 10 min: a first run may install tools, download the model or build), checks the page,
// the endpoint and one real chat turn in Chromium, then sends SIGTERM to the group and checks
// that nothing is left listening or running.
//
//   node --test --test-concurrency=1 e2e/real/run-command.test.mjs
//
// Ports 18090 (app) and 18091 (llama-server); override with E2E_SERVE_PORT / E2E_SERVE_LLM_PORT.
//
// `--no-build` serves the dist/ that the test command built before the e2e step (the script
// builds it when it is missing), so this test never rebuilds the app.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { REPO_ROOT, launchBrowser, sel, waitForState, assistantText, optionalText, sendPrompt } from '../helpers.mjs';
import { portOpen, pgrep, delay, stripAnsi, withPage, openUrl, completionPosts, alive, MODEL } from './lib.mjs';

const PORT = Number(process.env.E2E_SERVE_PORT) || 18090;
const LLM_PORT = Number(process.env.E2E_SERVE_LLM_PORT) || 18091;
const EXAMPLE_PORT = LLM_PORT + 1; // the embed example's static server
const READY_TIMEOUT = 600_000;
const READY_RE = /chat-stream is ready:\s*(\S+)/;

let child = null;
let output = '';
let tmp = null;
let browser = null;

/** Leftovers of this run: llama-server on LLM_PORT, the app's server on PORT (pgrep -af lines). */
async function leftovers() {
  const llama = (await pgrep('llama-server')).filter((l) => new RegExp(`--port\\s+${LLM_PORT}\\b`).test(l));
  const app = (await pgrep('static-server.mjs')).filter((l) => new RegExp(`--port\\s+(${PORT}|${EXAMPLE_PORT})\\b`).test(l));
  return [...llama, ...app];
}

// Safety net if the runner dies before after(): never leave the group running.
process.on('exit', () => {
  if (child && !childGone()) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
});

const tail = (s, n = 40) => stripAnsi(s).split('\n').slice(-n).join('\n');

function childGone() {
  return !child || child.exitCode != null || child.signalCode != null;
}

async function waitExit(ms) {
  const t0 = Date.now();
  while (!childGone() && Date.now() - t0 < ms) await delay(50);
  return childGone();
}

after(async () => {
  await browser?.close().catch(() => {});
  if (child && !childGone()) {
    // The test failed before its own SIGTERM: stop the group, escalate if needed.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    if (!(await waitExit(20_000))) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      await waitExit(5_000);
    }
  }
  // Last resort, only after a failure: processes this run started (matched by their ports), by pid.
  for (const line of await leftovers()) {
    const pid = Number(line.split(' ')[0]);
    if (pid && alive(pid)) {
      console.error(`[real/run-command] killing leftover: ${line}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

test('bash .ci/serve: ready line, page, endpoint, one chat turn; SIGTERM stops everything', { timeout: READY_TIMEOUT + 180_000 }, async (t) => {
  assert.equal(await portOpen(PORT), false, `port ${PORT} must be free before the test`);
  assert.equal(await portOpen(LLM_PORT), false, `port ${LLM_PORT} must be free before the test`);
  assert.deepEqual(await leftovers(), [], 'no leftover server from an earlier run');

  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'chat-stream-serve-test-'));
  const urlFile = path.join(tmp, 'url');
  const env = { ...process.env, CHAT_STREAM_URL_FILE: urlFile };
  const t0 = Date.now();
  child = spawn('bash', ['.ci/serve', '--no-build', '--port', String(PORT), '--llm-port', String(LLM_PORT), '--example-port', String(EXAMPLE_PORT)], {
    cwd: REPO_ROOT,
    env,
    detached: true, // own process group: SIGTERM to -pid reaches the script and everything it started
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const steps = [];
  const onData = (d) => {
    output += d;
    for (const m of stripAnsi(String(d)).matchAll(/\[serve\] (\d\/4 [^\n(]*)/g)) steps.push(`${m[1].trim()} @${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  // 1. The ready line.
  let url = null;
  while (!url) {
    const m = stripAnsi(output).match(READY_RE);
    if (m) url = m[1];
    else if (childGone()) assert.fail(`.ci/serve exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(output)}`);
    else if (Date.now() - t0 > READY_TIMEOUT) assert.fail(`no ready line after ${READY_TIMEOUT / 1000} s:\n${tail(output)}`);
    else await delay(100);
  }
  const readyMs = Date.now() - t0;
  console.log(`[real/run-command] ready after ${(readyMs / 1000).toFixed(1)} s (${steps.join('; ')}): ${url}`);
  await delay(200); // the URL file is written right after the line
  assert.equal((await fsp.readFile(urlFile, 'utf8')).trim(), url, 'CHAT_STREAM_URL_FILE holds the printed URL');

  const u = new URL(url);
  assert.equal(u.origin, `http://127.0.0.1:${PORT}`, 'app URL on 127.0.0.1:PORT');
  assert.equal(u.searchParams.get('endpoint'), `http://127.0.0.1:${LLM_PORT}/v1`, 'URL points the app at the local endpoint');
  assert.equal(u.searchParams.get('model'), MODEL, 'URL names the local model');

  // 2. The page.
  const page = await fetch(url);
  assert.equal(page.status, 200, 'GET app URL');
  const html = await page.text();
  assert.match(html, /boot\.js/, 'index.html loads boot.js');
  for (const asset of ['boot.js', 'chat-stream.js', 'chat-stream-app.js', 'chat-stream-app_bg.wasm', 'chat-stream-embed.js', 'chat-stream-embed_bg.wasm']) {
    const r = await fetch(new URL(asset, url));
    assert.equal(r.status, 200, `GET ${asset}`);
    if (asset.endsWith('.wasm')) assert.equal(r.headers.get('content-type'), 'application/wasm', 'wasm MIME type');
    await r.arrayBuffer();
  }

  // The embed example is served too, from its own port, and names the loader of the app's origin.
  const example = await fetch(`http://127.0.0.1:${EXAMPLE_PORT}/`);
  assert.equal(example.status, 200, 'GET embed example');
  assert.match(await example.text(), /<chat-stream [^>]*endpoint=/, 'the example embeds <chat-stream>');
  assert.match(stripAnsi(output), new RegExp(`embed example .*http://127\\.0\\.0\\.1:${EXAMPLE_PORT}/`), 'the example URL is printed');

  // 3. The endpoint it started: one non-streaming completion.
  const completion = await fetch(`http://127.0.0.1:${LLM_PORT}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 8, stream: false }),
  });
  assert.equal(completion.status, 200, 'POST /v1/chat/completions');
  const json = await completion.json();
  assert.ok(Array.isArray(json.choices) && json.choices.length > 0, `choices in ${JSON.stringify(json).slice(0, 300)}`);
  assert.equal(typeof json.choices[0].message?.content, 'string', 'choices[0].message.content');

  // 4. The app opened from the printed URL talks to that endpoint without any further setting.
  browser = await launchBrowser();
  await withPage(browser, `${t.name} (browser)`, async (p, probe) => {
    await openUrl(p, url);
    await sendPrompt(p, 'Say hello in one short sentence.');
    assert.equal(await waitForState(p, ['done', 'error', 'stopped'], 120_000), 'done');
    const text = await assistantText(p);
    assert.ok(text && text.trim().length > 0, `answer non-empty, got ${JSON.stringify(text)}`);
    assert.equal(await optionalText(p, 'error'), null, 'no error');
    const posts = completionPosts(probe);
    assert.equal(posts.length, 1, 'one completion request');
    assert.equal(posts[0].url, `http://127.0.0.1:${LLM_PORT}/v1/chat/completions`, 'request went to the started endpoint');
    assert.equal(posts[0].body.model, MODEL);
    assert.equal(posts[0].body.max_tokens, 256, 'max_tokens from the printed URL');
    assert.equal(posts[0].body.stream, true, 'streams by default');
  });
  await browser.close();
  browser = null;

  // 5. SIGTERM to the group stops everything.
  const tStop = Date.now();
  process.kill(-child.pid, 'SIGTERM');
  assert.ok(await waitExit(30_000), `.ci/serve still running 30 s after SIGTERM:\n${tail(output)}`);
  console.log(`[real/run-command] .ci/serve exited (${child.exitCode ?? child.signalCode}) ${Date.now() - tStop} ms after SIGTERM`);
  assert.match(stripAnsi(output), /stopped everything it started/, 'the script reports its cleanup');
  // Processes the script did not wait for (llama-server is reparented) may need a moment.
  let left = [];
  for (let i = 0; i < 100; i++) {
    left = await leftovers();
    if (left.length === 0 && !(await portOpen(PORT)) && !(await portOpen(LLM_PORT)) && !(await portOpen(EXAMPLE_PORT))) break;
    await delay(100);
  }
  assert.deepEqual(left, [], 'no llama-server / app server of this run is left');
  assert.equal(await portOpen(PORT), false, `port ${PORT} refuses connections`);
  assert.equal(await portOpen(LLM_PORT), false, `port ${LLM_PORT} refuses connections`);
  assert.equal(await portOpen(EXAMPLE_PORT), false, `port ${EXAMPLE_PORT} refuses connections`);
  console.log(`[real/run-command] all stopped ${Date.now() - tStop} ms after SIGTERM`);
});
