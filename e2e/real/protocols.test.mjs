// The built app (dist/) against the REAL llama-server (Gemma 3 270M, started by
// `local/llama-server.sh --api-key …`) in each of the three APIs it serves: Chat Completions,
// Responses (`/v1/responses`) and Anthropic Messages (`/v1/messages`). Per protocol, one streamed
// turn (many chunks, incremental text, done, figures, usage) and one whole JSON answer; the key
// goes in the protocol's one header (llama-server takes `x-api-key` as well as Bearer). No mock.
//
//   node --test --test-concurrency=1 e2e/real/protocols.test.mjs
//
// Env: E2E_LLAMA_PORT (default 18083); a busy port is replaced by a free one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertBuilt, launchBrowser, DIST_DIR, sel, waitForState, assistantText, optionalText, startRecorder, readRecorder,
  openSettings,
} from '../helpers.mjs';
import { startStaticServer } from '../static-server.mjs';
import { startLlama, freePort, withPage, openUrl, dataValue, MODEL } from './lib.mjs';

const KEY = 'sk-local-protocols';
const MAX_TOKENS = 32;
const PROMPT = 'Count to 20, with a comma between each number and no newlines. E.g., 1, 2, 3, ...';
const TEST_TIMEOUT = 240_000;
const TURN_TIMEOUT = 120_000;
const PATHS = { chat: '/chat/completions', responses: '/responses', anthropic: '/messages' };

let web, browser, llama;

before(async () => {
  assertBuilt();
  web = await startStaticServer({ root: DIST_DIR, port: 0 });
  llama = await startLlama({ port: await freePort(Number(process.env.E2E_LLAMA_PORT) || 18083), apiKey: KEY });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await llama?.stop().catch((e) => console.error(`stopping llama-server :${llama.port}:`, e));
  await web?.close();
});

// Never leave a llama-server behind if the runner dies before after().
process.on('exit', () => {
  try {
    if (llama?.pid) process.kill(llama.pid, 'SIGKILL');
  } catch {}
});

function appUrl(protocol, stream) {
  const u = new URL(`${web.url}/`);
  u.searchParams.set('endpoint', llama.url);
  u.searchParams.set('model', MODEL);
  u.searchParams.set('protocol', protocol);
  u.searchParams.set('stream', String(stream));
  u.searchParams.set('max_tokens', String(MAX_TOKENS));
  u.searchParams.set('temperature', '0');
  u.searchParams.set('prompt', PROMPT);
  return u.toString();
}

/** The page's POSTs to the protocol's path. */
const postsOf = (probe, protocol) => probe.posts.filter((p) => new URL(p.url).pathname.endsWith(PATHS[protocol]));

function assertKeyHeader(post, protocol) {
  if (protocol === 'anthropic') {
    assert.equal(post.headers['x-api-key'], KEY);
    assert.equal(post.headers['anthropic-dangerous-direct-browser-access'], 'true');
    assert.equal(post.headers['anthropic-version'], '2023-06-01');
    assert.equal(post.headers.authorization, undefined, 'never as Authorization');
  } else {
    assert.equal(post.headers.authorization, `Bearer ${KEY}`);
    assert.equal(post.headers['x-api-key'], undefined);
  }
}

for (const protocol of ['chat', 'responses', 'anthropic']) {
  test(`${protocol}: one streamed turn from llama-server`, { timeout: TEST_TIMEOUT }, (t) =>
    withPage(browser, t, async (page, probe) => {
      await openUrl(page, appUrl(protocol, true));
      await openSettings(page);
      await page.locator(sel('api-key')).fill(KEY);
      await startRecorder(page);
      await page.locator(sel('send')).click();
      assert.equal(await waitForState(page, ['done', 'error', 'stopped'], TURN_TIMEOUT), 'done', `error: ${await optionalText(page, 'error')}`);
      const text = await assistantText(page);
      assert.ok(text && text.trim().length > 0, `a non-empty answer, got ${JSON.stringify(text)}`);
      const rec = await readRecorder(page);
      const partials = new Set(rec.filter((r) => r.text && r.text !== text).map((r) => r.text));
      assert.ok(partials.size >= 3, `incremental: ${partials.size} partial renders`);
      const chunks = await dataValue(page, 'stat-chunks');
      const firstChunk = await dataValue(page, 'stat-first-chunk-ms');
      const firstToken = await dataValue(page, 'stat-first-token-ms');
      const total = await dataValue(page, 'stat-total-ms');
      assert.ok(chunks >= 10, `many chunks: ${chunks}`);
      assert.ok(firstChunk > 0 && firstChunk <= firstToken && firstToken < total, `${firstChunk} <= ${firstToken} < ${total}`);
      const posts = postsOf(probe, protocol);
      assert.equal(posts.length, 1, `one POST to ${PATHS[protocol]}`);
      assertKeyHeader(posts[0], protocol);
      console.log(`${protocol} streamed: ${chunks} chunks, first chunk ${firstChunk} ms, first token ${firstToken} ms, total ${total} ms: ${JSON.stringify(text.slice(0, 60))}`);
    }));

  test(`${protocol}: one whole JSON answer from llama-server`, { timeout: TEST_TIMEOUT }, (t) =>
    withPage(browser, t, async (page, probe) => {
      await openUrl(page, appUrl(protocol, false));
      await openSettings(page);
      await page.locator(sel('api-key')).fill(KEY);
      await page.locator(sel('send')).click();
      assert.equal(await waitForState(page, ['done', 'error', 'stopped'], TURN_TIMEOUT), 'done', `error: ${await optionalText(page, 'error')}`);
      const text = await assistantText(page);
      assert.ok(text && text.trim().length > 0, `a non-empty answer, got ${JSON.stringify(text)}`);
      const posts = postsOf(probe, protocol);
      assert.equal(posts.length, 1);
      assert.equal((typeof posts[0].body === "string" ? JSON.parse(posts[0].body) : posts[0].body).stream, false);
      assertKeyHeader(posts[0], protocol);
    }));
}

test('a wrong key: the error of each protocol names the status', { timeout: TEST_TIMEOUT }, (t) =>
  withPage(browser, t, async (page) => {
    for (const protocol of ['responses', 'anthropic']) {
      await openUrl(page, appUrl(protocol, true));
      await openSettings(page);
      await page.locator(sel('api-key')).fill('sk-wrong');
      await page.locator(sel('send')).click();
      assert.equal(await waitForState(page, ['done', 'error', 'stopped'], TURN_TIMEOUT), 'error');
      const error = await optionalText(page, 'error');
      assert.ok(error.includes('HTTP 401'), `${protocol}: ${error}`);
    }
  }));
