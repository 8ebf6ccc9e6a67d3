// Hostile servers: how a turn ends. Missing [DONE] / finish_reason, bodies cut mid-event,
// in-band errors in every shape at HTTP 200, HTTP errors (JSON, HTML, empty), CORS refusals, and the
// idle watchdog. Every test asserts the exact kept text, the final data-state and every notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHostileEnv, openApp, runTurn, until, sel, TEST_TIMEOUT, openSettings,
} from '../helpers.mjs';
import { TEXT, ERRORS, AFTER_ERROR_TEXT, RETRY_AFTER_SECS } from '../hostile-server.mjs';

const env = useHostileEnv();

const count = (hay, needle) => hay.split(needle).length - 1;

// ----- endings without [DONE] ------------------------------------------------------------------

test('hostile-finish-no-done: finish_reason then a clean end, no [DONE] → done', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-finish-no-done';
    await openApp(page, env, { model: scenario, stream: true });
    const r = await runTurn(page);
    assert.equal(r.state, 'done', `final state (error: ${JSON.stringify(r.error)})`);
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
    assert.equal(env.completions().length, 1, 'one POST');
  }));

test('hostile-no-finish-no-done: clean end without finish_reason or [DONE] → error "incomplete response", text kept', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-no-finish-no-done';
    await openApp(page, env, { model: scenario, stream: true });
    const r = await runTurn(page);
    assert.equal(r.state, 'error');
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error,
      'incomplete response: the stream ended before the server finished the answer (no [DONE] and no finish_reason)',
      'error notice (exact)');
    assert.equal(r.warning, null);
    assert.equal(r.stopped, null);
    const posts = env.completions();
    assert.equal(posts.length, 1, 'no automatic retry');
    assert.equal(posts[0].completed, true, 'the server ended the body normally');
  }));

test('hostile-cut-mid-event: the body ends inside an event → error mentions the cut, text kept', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-cut-mid-event';
    await openApp(page, env, { model: scenario, stream: true });
    const r = await runTurn(page);
    assert.equal(r.state, 'error');
    assert.equal(r.text, TEXT[scenario], 'kept text (exact): the half event adds nothing');
    assert.match(r.error, /^incomplete response: /, 'error says incomplete');
    assert.ok(r.error.includes('the last event was cut off'), `error mentions the cut: ${JSON.stringify(r.error)}`);
    assert.equal(r.warning, null);
    assert.equal(env.completions().length, 1, 'no automatic retry');
  }));

// ----- in-band errors at HTTP 200 ---------------------------------------------

const INBAND = {
  'hostile-inband-openai': 'data: {"error":{"message":…,"type":"server_error"}}',
  'hostile-inband-string': 'data: {"error":"text"}',
  'hostile-inband-vllm': 'data: {"object":"error","message":…} (vLLM)',
  'hostile-inband-event': 'event: error + data: {"type":"error","error":{…}} (Anthropic-style)',
  'hostile-inband-llamacpp': 'error: {…} field (old llama.cpp)',
};
for (const [scenario, shape] of Object.entries(INBAND)) {
  test(`${scenario}: ${shape} after some text → error with the server's message, text kept, later bytes ignored`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await openApp(page, env, { model: scenario, stream: true });
      const r = await runTurn(page);
      assert.equal(r.state, 'error', `final state (error: ${JSON.stringify(r.error)})`);
      assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
      assert.ok(r.error?.startsWith('the server reported an error: '), `error notice: ${JSON.stringify(r.error)}`);
      assert.ok(r.error.includes(ERRORS[scenario]), `error shows the server's message ${JSON.stringify(ERRORS[scenario])}: ${JSON.stringify(r.error)}`);
      assert.equal(r.warning, null);
      // The server sends more text, a finish_reason and [DONE] after the error: none of it counts.
      await until(() => env.completions()[0]?.tEnd, { message: 'the response to end' });
      await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res))));
      const after = await page.evaluate((s) => ({
        state: document.querySelector(s.chat).getAttribute('data-state'),
        text: [...document.querySelectorAll(s.asst)].at(-1).textContent,
      }), { chat: sel('chat'), asst: sel('message-assistant') });
      assert.deepEqual(after, { state: 'error', text: TEXT[scenario] }, 'state and text unchanged by what follows the error');
      assert.ok(!after.text.includes(AFTER_ERROR_TEXT.trim()));
      assert.equal(env.completions().length, 1, 'no automatic retry');
    }));
}

// ----- HTTP errors ------------------------------------------------------------------------------

/** Runs an HTTP-error scenario; checks what every HTTP error must satisfy; returns the report. */
async function httpError(page, scenario, status) {
  await openApp(page, env, { model: scenario, stream: true });
  const r = await runTurn(page);
  assert.equal(r.state, 'error', `final state (error: ${JSON.stringify(r.error)})`);
  assert.equal(r.text, '', 'no answer text');
  assert.ok(r.error && r.error.includes(`HTTP ${status}`), `error names the status "HTTP ${status}": ${JSON.stringify(r.error)}`);
  assert.equal(r.warning, null);
  assert.equal(r.stopped, null);
  assert.equal(r.waiting, null, 'the waiting note is gone');
  const markup = await page.evaluate((s) => document.querySelector(s).children.length, sel('error'));
  assert.equal(markup, 0, 'the error notice is plain text (no child elements)');
  const posts = env.completions();
  assert.equal(posts.length, 1, 'no automatic retry');
  assert.equal(posts[0].status, status);
  return r;
}

test('hostile-http-401: JSON error body → error "HTTP 401: Invalid API Key …"', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const r = await httpError(page, 'hostile-http-401', 401);
    assert.ok(r.error.startsWith(`HTTP 401: ${ERRORS['hostile-http-401']}`), `error: ${JSON.stringify(r.error)}`);
  }));

test('hostile-http-429: JSON error + Retry-After: 7 → error with the message and when to retry', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const r = await httpError(page, 'hostile-http-429', 429);
    assert.ok(r.error.includes(ERRORS['hostile-http-429']), `error shows the server's message: ${JSON.stringify(r.error)}`);
    assert.match(r.error, new RegExp(`(retry|try again)[^.]*\\b${RETRY_AFTER_SECS}\\s*(s|sec|secs|seconds)\\b`, 'i'),
      `the error tells the user when to retry (Retry-After: ${RETRY_AFTER_SECS}): ${JSON.stringify(r.error)}`);
  }));

test('hostile-http-500-html: an HTML error page → readable text only, never HTML, status once', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const r = await httpError(page, 'hostile-http-500-html', 500);
    assert.ok(r.error.includes(ERRORS['hostile-http-500-html']), `error shows the page's text: ${JSON.stringify(r.error)}`);
    assert.ok(!/[<>]/.test(r.error), `no tags in the message: ${JSON.stringify(r.error)}`);
    assert.ok(!/font-family|\.box|\{/.test(r.error), `no CSS from the page's <style> in the message: ${JSON.stringify(r.error)}`);
    assert.equal(count(r.error, 'HTTP 500'), 1, `"HTTP 500" said once: ${JSON.stringify(r.error)}`);
  }));

test('hostile-http-503-empty: empty body → error names the status once', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const r = await httpError(page, 'hostile-http-503-empty', 503);
    assert.equal(count(r.error, 'HTTP 503'), 1, `"HTTP 503" said once: ${JSON.stringify(r.error)}`);
  }));

test('hostile-http-400-vllm: {"object":"error","message":…} → error "HTTP 400: <message>"', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const r = await httpError(page, 'hostile-http-400-vllm', 400);
    assert.ok(r.error.startsWith(`HTTP 400: ${ERRORS['hostile-http-400-vllm']}`), `error: ${JSON.stringify(r.error)}`);
  }));

// ----- CORS -------------------------------------------------------------------------------------

/** A CORS refusal: error, the unreachable message naming CORS and the fixes. */
async function corsFailure(page, scenario, { apiKey } = {}) {
  const endpoint = env.mock.scenarioBase(scenario);
  await openApp(page, env, { model: scenario, stream: true, endpoint });
  await openSettings(page);
  if (apiKey) await page.locator(sel('api-key')).fill(apiKey);
  const r = await runTurn(page);
  assert.equal(r.state, 'error', `final state (error: ${JSON.stringify(r.error)})`);
  assert.equal(r.text, '', 'no answer text');
  assert.ok(r.error?.startsWith(`could not reach ${endpoint}/chat/completions (`), `error names the URL: ${JSON.stringify(r.error)}`);
  for (const needle of ['CORS', 'OLLAMA_ORIGINS', '--allowed-origins', 'LM Studio', 'llama-server']) {
    assert.ok(r.error.includes(needle), `error mentions ${needle}: ${JSON.stringify(r.error)}`);
  }
  assert.equal(r.warning, null);
  assert.equal(r.waiting, null);
  return r;
}

test('hostile-cors-no-acao: the response has no Access-Control-Allow-Origin → error naming CORS and the fixes', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await corsFailure(page, 'hostile-cors-no-acao');
    const posts = env.completions();
    assert.equal(posts.length, 1, 'the POST reached the server once (the browser hid the answer); no retry');
  }));

test('hostile-cors-preflight-fail: the preflight gets 403 without CORS headers → error naming CORS', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await corsFailure(page, 'hostile-cors-preflight-fail');
    assert.equal(env.completions().length, 0, 'no POST after a failed preflight');
    const pre = env.mock.log.filter((e) => e.method === 'OPTIONS');
    assert.equal(pre.length, 1, 'one preflight');
    assert.equal(pre[0].status, 403);
  }));

test('hostile-cors-no-auth-header: the preflight does not allow Authorization and a key is set → error naming CORS', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await corsFailure(page, 'hostile-cors-no-auth-header', { apiKey: 'sk-cors-test' });
    assert.equal(env.completions().length, 0, 'no POST after the preflight refused Authorization');
    const pre = env.mock.log.filter((e) => e.method === 'OPTIONS');
    assert.equal(pre.length, 1, 'one preflight');
    assert.match(pre[0].headers['access-control-request-headers'] || '', /authorization/);
  }));

// ----- the idle watchdog ------------------------------------------------------------------------

test('hostile-idle with ?idle_timeout=2: text then silence → error "the server sent nothing for 2 s", text kept, connection closed', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-idle';
    await openApp(page, env, { model: scenario, stream: true, params: { idle_timeout: '2' } });
    const r = await runTurn(page);
    assert.equal(r.state, 'error');
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, 'the server sent nothing for 2 s; the stream was ended', 'error notice (exact)');
    assert.equal(r.warning, null);
    const entry = await until(() => env.completions().find((e) => e.aborted), { timeout: 2_000, message: 'the client to close the idle connection' });
    const silent = entry.tEnd - entry.lastWriteAt;
    assert.ok(silent >= 1_900 && silent <= 4_500, `closed ${silent} ms after the last byte (limit 2 s)`);
    assert.equal(env.completions().length, 1, 'no automatic retry');
  }));

test('hostile-comments-first with ?idle_timeout=1: keep-alive comments every 300 ms keep the watchdog quiet → done', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-comments-first';
    await openApp(page, env, { model: scenario, stream: true, params: { idle_timeout: '1' } });
    const r = await runTurn(page);
    assert.equal(r.state, 'done', `final state (error: ${JSON.stringify(r.error)})`);
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
  }));
