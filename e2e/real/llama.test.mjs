// The built app (dist/) against a REAL OpenAI-compatible server: llama.cpp's llama-server with
// Gemma 3 270M, started by the project's own `local/llama-server.sh` (one server without a key,
// one with `--api-key sk-local-test`; 1 thread each). No mock anywhere.
//
//   node --test --test-concurrency=1 e2e/real/llama.test.mjs
//
// Env: E2E_LLAMA_PORT (default 18081), E2E_LLAMA_KEY_PORT (default 18082); a busy port is
// replaced by a free one. The measured figures are printed (console.log) for the record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertBuilt, launchBrowser, DIST_DIR, sel, waitForState, assistantText, optionalText, allTexts,
  startRecorder, readRecorder, sendPrompt, openChunkLog, openSettings,
} from '../helpers.mjs';
import { startStaticServer } from '../static-server.mjs';
import { startLlama, freePort, withPage, openUrl, dataValue, completionPosts, MODEL } from './lib.mjs';

const KEY = 'sk-local-test';
const MAX_TOKENS = 48;
// The cookbook prompt: a base model keeps counting, so 48 tokens are (almost) always produced.
const PROMPT = 'Count to 20, with a comma between each number and no newlines. E.g., 1, 2, 3, ...';
const TEST_TIMEOUT = 240_000;
const TURN_TIMEOUT = 120_000; // 48 tokens at 25-80 tokens/s on one thread of a busy 2-core machine

let web, browser, open, keyed;
const pending = [];

before(async () => {
  assertBuilt();
  web = await startStaticServer({ root: DIST_DIR, port: 0 });
  // Both servers at once (~350 MB RSS each, idle when not generating); -t 1 each.
  open = await startLlama({ port: await freePort(Number(process.env.E2E_LLAMA_PORT) || 18081) });
  pending.push(open);
  keyed = await startLlama({ port: await freePort(Number(process.env.E2E_LLAMA_KEY_PORT) || 18082), apiKey: KEY });
  pending.push(keyed);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await Promise.all(pending.map((s) => s.stop().catch((e) => console.error(`stopping llama-server :${s.port}:`, e))));
  await web?.close();
});

// Safety net if the runner dies before after(): never leave a llama-server behind.
process.on('exit', () => {
  for (const s of pending) {
    try {
      if (s.pid) process.kill(s.pid, 'SIGKILL');
    } catch {}
  }
});

function appUrl(server, { stream = true, prompt = PROMPT } = {}) {
  const u = new URL(`${web.url}/`);
  u.searchParams.set('endpoint', server.url);
  u.searchParams.set('model', MODEL);
  u.searchParams.set('stream', String(stream));
  u.searchParams.set('max_tokens', String(MAX_TOKENS));
  u.searchParams.set('temperature', '0');
  u.searchParams.set('prompt', prompt);
  return u.toString();
}

const rowsMs = async (page) => {
  await openChunkLog(page);
  return page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => Number(e.getAttribute('data-ms'))), sel('chunk-row'));
};

test('a. streamed answer from llama-server: many chunks, incremental text, [DONE] and usage handled', { timeout: TEST_TIMEOUT }, (t) =>
  withPage(browser, t, async (page, probe) => {
    await openUrl(page, appUrl(open));
    assert.equal(await page.locator(sel('prompt')).inputValue(), PROMPT, 'prompt prefilled from ?prompt=');
    await startRecorder(page);
    await page.locator(sel('send')).click();
    assert.equal(await waitForState(page, ['done', 'error', 'stopped'], TURN_TIMEOUT), 'done');

    const text = await assistantText(page);
    assert.ok(text && text.trim().length > 0, `answer should be non-empty, got ${JSON.stringify(text)}`);
    const err = await optionalText(page, 'error');
    assert.equal(err, null, `no error element expected, got ${JSON.stringify(err)}`);
    const warning = await optionalText(page, 'warning');
    assert.equal(warning, null, `no warning expected (e.g. about [DONE]), got ${JSON.stringify(warning)}`);

    const headers = await dataValue(page, 'stat-headers-ms');
    const firstChunk = await dataValue(page, 'stat-first-chunk-ms');
    const firstToken = await dataValue(page, 'stat-first-token-ms');
    const total = await dataValue(page, 'stat-total-ms');
    const chunks = await dataValue(page, 'stat-chunks');
    const tps = await dataValue(page, 'stat-tokens-per-second');
    const tpsText = (await optionalText(page, 'stat-tokens-per-second'))?.trim();
    const rows = await rowsMs(page);
    console.log(`[real/llama a] streamed ${MAX_TOKENS} max tokens (cold prompt cache): headers ${headers} ms, first chunk ${firstChunk} ms, first token ${firstToken} ms, ` +
      `total ${total} ms, chunks ${chunks}, chunk rows ${rows.length}, speed "${tpsText}", ${text.length} chars`);

    assert.ok(chunks > 5, `stat-chunks should be > 5, got ${chunks}`);
    assert.ok(rows.length > 5, `chunk rows should be > 5, got ${rows.length}`);
    assert.equal(rows.length, chunks, 'one chunk row per counted chunk');
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i] >= rows[i - 1], `chunk rows in arrival order: ${rows}`);
    assert.ok(rows[rows.length - 1] <= total, 'last chunk row within the total');
    assert.ok(firstChunk > 0 && firstChunk <= firstToken, `0 < first chunk (${firstChunk}) <= first token (${firstToken})`);
    assert.ok(firstToken < 0.5 * total, `first token (${firstToken} ms) should come well before the end (${total} ms): not buffered`);
    // llama-server's last chunk carries usage AND llama.cpp `timings`; the app prefers the latter.
    assert.ok(tps > 0, `stat-tokens-per-second data-value > 0, got ${tps}`);
    assert.match(tpsText, /tokens\/s, server timings/, 'speed names its source (llama.cpp timings)');

    // Incremental rendering, observed by the MutationObserver recorder.
    const rec = await readRecorder(page);
    const partial = rec.filter((r) => r.text && r.state !== 'done' && r.text !== text);
    const lengths = new Set(partial.map((r) => r.text.length));
    assert.ok(lengths.size >= 2, `expected >= 2 distinct non-empty intermediate lengths before done, saw ${[...lengths]}`);
    for (const r of partial) {
      assert.equal(r.state, 'streaming', `state while showing partial text ${JSON.stringify(r.text)}`);
      assert.ok(text.startsWith(r.text), `partial ${JSON.stringify(r.text)} is a prefix of the final text`);
    }

    const posts = completionPosts(probe);
    assert.equal(posts.length, 1, 'one completion request');
    assert.equal(posts[0].url, `${open.url}/chat/completions`);
    const body = posts[0].body;
    assert.equal(body.stream, true, 'body.stream');
    assert.deepEqual(body.stream_options, { include_usage: true }, 'body.stream_options');
    assert.equal(body.model, MODEL);
    assert.equal(body.max_tokens, MAX_TOKENS);
    assert.equal(body.messages.at(-1).content, PROMPT);
    assert.equal(posts[0].headers.authorization, undefined, 'no Authorization without a key');
  }));

test('b. non-streaming answer from llama-server: one chunk, text, done', { timeout: TEST_TIMEOUT }, (t) =>
  withPage(browser, t, async (page, probe) => {
    await openUrl(page, appUrl(open, { stream: false }));
    await startRecorder(page);
    await page.locator(sel('send')).click();
    assert.equal(await waitForState(page, ['done', 'error', 'stopped'], TURN_TIMEOUT), 'done');
    const text = await assistantText(page);
    assert.ok(text && text.trim().length > 0, `answer should be non-empty, got ${JSON.stringify(text)}`);
    assert.equal(await optionalText(page, 'error'), null, 'no error element');
    const chunks = await dataValue(page, 'stat-chunks');
    const rows = await rowsMs(page);
    const total = await dataValue(page, 'stat-total-ms');
    const firstToken = await dataValue(page, 'stat-first-token-ms');
    console.log(`[real/llama b] not streamed: first token ${firstToken} ms, total ${total} ms, chunks ${chunks}, ${text.length} chars`);
    assert.ok(chunks <= 1, `stat-chunks <= 1, got ${chunks}`);
    assert.ok(rows.length <= 1, `chunk rows <= 1, got ${rows.length}`);
    assert.ok(total > 0, `total ${total} > 0`);
    const rec = await readRecorder(page);
    assert.ok(!rec.some((r) => r.state === 'streaming'), 'never in state streaming');
    assert.ok(!rec.some((r) => r.text && r.text !== text), 'no partial text rendered');
    const posts = completionPosts(probe);
    assert.equal(posts.length, 1, 'one completion request');
    assert.equal(posts[0].body.stream, false, 'body.stream');
    assert.equal(posts[0].body.stream_options, undefined, 'no stream_options without streaming');
  }));

test('c. compare mode against llama-server: the streamed first token beats the whole plain answer', { timeout: TEST_TIMEOUT }, (t) =>
  withPage(browser, t, async (page) => {
    await openUrl(page, appUrl(open));
    await page.locator(sel('compare-open')).click();
    const compare = page.locator(sel('compare'));
    assert.equal(await compare.getAttribute('data-state'), 'idle');
    await page.locator(sel('compare-run')).click();
    await page.waitForFunction((s) => {
      const st = document.querySelector(s)?.getAttribute('data-state');
      return st === 'done' || st === 'error' ? st : null;
    }, sel('compare'), { timeout: TURN_TIMEOUT, polling: 250 });
    assert.equal(await compare.getAttribute('data-state'), 'done', 'compare data-state');
    assert.equal(await page.locator(sel('compare-plain')).getAttribute('data-state'), 'done');
    assert.equal(await page.locator(sel('compare-stream')).getAttribute('data-state'), 'done');

    const plainTotal = await dataValue(page, 'compare-plain-total-ms');
    const sFirstChunk = await dataValue(page, 'compare-stream-first-chunk-ms');
    const sFirstToken = await dataValue(page, 'compare-stream-first-token-ms');
    const sTotal = await dataValue(page, 'compare-stream-total-ms');
    const marks = await page.evaluate((s) => [...document.querySelectorAll(`${s} [data-testid="timeline-mark"]`)]
      .map((e) => ({ run: e.getAttribute('data-run'), ms: Number(e.getAttribute('data-ms')) })), sel('compare-timeline'));
    const plainMarks = marks.filter((m) => m.run === 'plain');
    const streamMarks = marks.filter((m) => m.run === 'stream');
    const plainAnswer = (await allTexts(page, 'compare-plain-answer'))[0] ?? '';
    const streamAnswer = (await allTexts(page, 'compare-stream-answer'))[0] ?? '';
    console.log(`[real/llama c] compare (max_tokens ${MAX_TOKENS}, temperature 0, 1 thread; streaming runs first, the prompt may be cached from test a): ` +
      `plain total ${plainTotal} ms; stream first chunk ${sFirstChunk} ms, first token ${sFirstToken} ms, total ${sTotal} ms; ` +
      `stream chunks (timeline marks) ${streamMarks.length}, plain marks ${plainMarks.length} at ${plainMarks.map((m) => m.ms)} ms; ` +
      `first token / plain total = ${(sFirstToken / plainTotal).toFixed(3)}`);

    assert.ok(plainTotal > 0, `plain total ${plainTotal} > 0`);
    assert.ok(sFirstChunk <= sFirstToken, `stream first chunk ${sFirstChunk} <= first token ${sFirstToken}`);
    assert.ok(sFirstToken < sTotal, `stream first token ${sFirstToken} < stream total ${sTotal}`);
    assert.ok(sFirstToken < plainTotal, `stream first token ${sFirstToken} < plain total ${plainTotal} (the point of streaming)`);
    assert.equal(plainMarks.length, 1, 'one timeline mark for the non-streaming run (the whole body)');
    assert.ok(Math.abs(plainMarks[0].ms - plainTotal) < 50, `plain mark (${plainMarks[0].ms}) at about its total (${plainTotal})`);
    assert.ok(streamMarks.length > 5, `> 5 stream timeline marks, got ${streamMarks.length}`);
    assert.ok(plainAnswer.trim().length > 0, 'plain answer non-empty');
    assert.ok(streamAnswer.trim().length > 0, 'stream answer non-empty');
  }));

test('d. llama-server with --api-key: 401 "Invalid API Key" without a key, done with it', { timeout: TEST_TIMEOUT }, (t) =>
  withPage(browser, t, async (page, probe) => {
    await openUrl(page, appUrl(keyed, { prompt: 'Say hello.' }));
    const key = page.locator(sel('api-key'));
    assert.equal(await key.getAttribute('type'), 'password');
    await page.locator(sel('send')).click();
    assert.equal(await waitForState(page, ['done', 'error', 'stopped'], TURN_TIMEOUT), 'error');
    const err = await optionalText(page, 'error');
    console.log(`[real/llama d] error shown without a key: ${JSON.stringify(err)}`);
    assert.ok(err && err.includes('401'), `error should mention 401, got ${JSON.stringify(err)}`);
    assert.ok(err.includes('Invalid API Key'), `error should carry llama-server's message, got ${JSON.stringify(err)}`);

    await openSettings(page);
    await key.fill(KEY);
    await sendPrompt(page, 'Say hello again.');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped'], TURN_TIMEOUT), 'done');
    const text = await assistantText(page);
    assert.ok(text && text.trim().length > 0, `answer should be non-empty, got ${JSON.stringify(text)}`);
    assert.equal(await optionalText(page, 'error'), null, 'error cleared after success');

    const posts = completionPosts(probe);
    assert.equal(posts.length, 2, 'two completion requests');
    assert.equal(posts[0].headers.authorization, undefined, 'first request without Authorization');
    assert.equal(posts[1].headers.authorization, `Bearer ${KEY}`, 'second request with the key');
    assert.ok(!page.url().includes(KEY), 'key not in the page URL');
  }));
