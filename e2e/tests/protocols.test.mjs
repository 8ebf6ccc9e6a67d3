// The three APIs against the scripted server, chosen with `?protocol=` (and once with the
// settings select): for Responses and Anthropic Messages, the happy path with its figures and
// request shape, bytes split inside UTF-8 characters, CRLF and keep-alives, each error shape (the
// HTTP error envelope, the in-stream failure event), the cut-off answer, the stream that ends
// without its terminal event, the dropped connection, tool calls, the key in its one header, and
// the whole JSON body without streaming; tool calls, cut-off and error events for Chat
// Completions as well; and compare mode on the Responses API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, assistantText, optionalText, statValue, runTurn,
  startRecorder, readRecorder, openChunkLog, openSettings, until, sel, TEST_TIMEOUT, STATE_TIMEOUT,
} from '../helpers.mjs';
import {
  HAPPY_TEXT, HAPPY_DELTAS, UTF8_TEXT, MIDSTREAM_ERROR_MESSAGE, AUTH_KEY, LENGTH_DELTAS, TOOL_CALLS,
  HTTP_ERROR_MESSAGE, REASONING_TEXT, ANSWER_AFTER_REASONING,
} from '../mock-server.mjs';
import { PROTOCOL_PATHS, requestMessages } from '../protocol-wire.mjs';

const env = useEnv();
const TYPED = ['responses', 'anthropic'];
const ALL = ['chat', ...TYPED];

/** The POSTs the mock saw for `protocol`'s path. */
const posts = (protocol) => env.mock.log.filter((e) => e.method === 'POST' && e.path === PROTOCOL_PATHS[protocol]);
const open = (page, protocol, model, { stream = true, params = {} } = {}) =>
  openApp(page, env, { model, stream, params: { protocol, ...params } });
const texts = (page, testid) => page.locator(sel(testid)).evaluateAll((els) => els.map((e) => e.textContent));
const attrs = (page, testid, name) => page.locator(sel(testid)).evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);
const pretty = (json) => JSON.stringify(JSON.parse(json), null, 2);

/** Types into a settings field the way a user does (in the settings drawer): fill, then leave. */
async function setField(page, testid, value) {
  await openSettings(page);
  await page.locator(sel(testid)).fill(value);
  await page.locator(sel(testid)).press('Tab');
}

/** The chunk log's rows, as text. */
async function chunkRows(page) {
  await openChunkLog(page);
  return texts(page, 'chunk-row');
}

for (const protocol of TYPED) {
  test(`${protocol}: the answer streams in, ends done, with figures and the protocol's request`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-happy', { params: { system: 'Be brief.', max_tokens: '77' } });
      await startRecorder(page);
      await sendPrompt(page, 'Say hello');
      assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
      assert.equal(await assistantText(page), HAPPY_TEXT);
      const rec = await readRecorder(page);
      const partial = rec.filter((r) => r.text && r.text !== HAPPY_TEXT);
      assert.ok(partial.length >= 3, `incremental: ${partial.length} partial renders`);
      assert.ok(partial.every((r) => HAPPY_TEXT.startsWith(r.text) && r.state === 'streaming'), 'partials are prefixes, while streaming');
      const [firstChunk, firstToken, total] = [
        await statValue(page, 'stat-first-chunk-ms'),
        await statValue(page, 'stat-first-token-ms'),
        await statValue(page, 'stat-total-ms'),
      ];
      // The opening event comes at ~60 ms, the first text at ~150 ms.
      assert.ok(firstChunk > 0 && firstChunk < firstToken && firstToken >= 140 && firstToken < total, `${firstChunk} < ${firstToken} < ${total}`);
      assert.ok((await statValue(page, 'stat-chunks')) >= HAPPY_DELTAS.length);

      const [post, ...more] = posts(protocol);
      assert.equal(more.length, 0, 'one request, on the protocol path');
      assert.equal(env.completions().length, 0, 'nothing on /v1/chat/completions');
      const body = post.body;
      assert.equal(body.model, 'mock-happy');
      assert.equal(body.stream, true);
      assert.deepEqual(requestMessages(protocol, body), [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ]);
      if (protocol === 'responses') {
        assert.equal(body.instructions, 'Be brief.');
        assert.equal(body.max_output_tokens, 77);
        assert.ok(!('messages' in body) && !('stream_options' in body), Object.keys(body).join());
      } else {
        assert.equal(body.system, 'Be brief.');
        assert.equal(body.max_tokens, 77);
        assert.ok(body.messages.every((m) => m.role !== 'system'), 'the system prompt is not a message');
        assert.equal(post.headers['anthropic-version'], '2023-06-01');
      }
      assert.equal(post.headers.authorization, undefined, 'no key, no Authorization');
      assert.equal(post.headers['x-api-key'], undefined, 'no key, no x-api-key');
      assert.equal(post.headers['anthropic-dangerous-direct-browser-access'], undefined);
    }));

  test(`${protocol}: bytes cut inside every UTF-8 character, and CRLF with a keep-alive`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-utf8');
      let r = await runTurn(page, 'Split');
      assert.deepEqual([r.state, r.text], ['done', UTF8_TEXT]);
      assert.equal(r.warning, null, 'no warning: nothing was replaced');
      await setField(page, 'model', 'mock-crlf');
      r = await runTurn(page, 'CRLF');
      assert.deepEqual([r.state, r.text], ['done', HAPPY_TEXT]);
    }));

  test(`${protocol}: an in-stream failure keeps the text and shows the server's message; nothing after it counts`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      const models = protocol === 'responses' ? ['mock-midstream-error', 'mock-error-event'] : ['mock-midstream-error'];
      for (const model of models) {
        await open(page, protocol, model);
        const r = await runTurn(page, 'Fail');
        assert.equal(r.state, 'error', model);
        assert.equal(r.text.trimEnd(), 'Partial answer', model);
        assert.ok(r.error.includes(MIDSTREAM_ERROR_MESSAGE), `${model}: ${r.error}`);
        await until(() => posts(protocol).at(-1)?.tEnd, { message: 'the response to end' });
        assert.equal((await runTurnState(page)).text, r.text, 'the text after the failure never shows');
      }
      assert.equal(posts(protocol).length, models.length, 'no retry');
    }));

  test(`${protocol}: an HTTP error shows the status and the message of the protocol's envelope`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-http-error');
      const r = await runTurn(page, 'Overload');
      assert.equal(r.state, 'error');
      const status = protocol === 'anthropic' ? 529 : 500;
      assert.ok(r.error.includes(`HTTP ${status}`) && r.error.includes(HTTP_ERROR_MESSAGE), r.error);
      assert.equal(posts(protocol).length, 1, 'no retry');
    }));

  test(`${protocol}: a cut-off answer is done, with finish reason length`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-length');
      const r = await runTurn(page, 'Long');
      assert.deepEqual([r.state, r.text], ['done', LENGTH_DELTAS.join('')]);
      const rows = await chunkRows(page);
      assert.ok(rows.some((row) => row.includes('"finish_reason": "length"')), rows.join('\n'));
    }));

  test(`${protocol}: a stream that ends without its terminal event, or drops, is incomplete and keeps the text`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-truncated');
      let r = await runTurn(page, 'End early');
      assert.deepEqual([r.state, r.text], ['error', 'Some text before the end']);
      const terminal = protocol === 'anthropic' ? 'message_stop' : 'response.completed';
      assert.ok(/incomplete/i.test(r.error) && r.error.includes(terminal), r.error);
      assert.equal(posts(protocol)[0].completed, true, 'the body ended cleanly');
      await setField(page, 'model', 'mock-drop');
      r = await runTurn(page, 'Drop');
      assert.deepEqual([r.state, r.text], ['error', 'Some text before the drop']);
      assert.match(r.error, /incomplete/i);
    }));

  test(`${protocol}: the key goes only in the protocol's one header`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page, probe) => {
      await open(page, protocol, 'mock-auth');
      let r = await runTurn(page, 'No key');
      assert.equal(r.state, 'error');
      assert.ok(r.error.includes('HTTP 401'), r.error);
      await openSettings(page);
      await page.locator(sel('api-key')).fill(AUTH_KEY);
      r = await runTurn(page, 'With key');
      assert.deepEqual([r.state, r.text], ['done', HAPPY_TEXT]);
      const [first, second] = posts(protocol);
      const keyHeaders = ['authorization', 'x-api-key', 'anthropic-dangerous-direct-browser-access'];
      for (const h of keyHeaders) assert.equal(first.headers[h], undefined, `no key, no ${h}`);
      if (protocol === 'anthropic') {
        assert.equal(second.headers['x-api-key'], AUTH_KEY);
        assert.equal(second.headers['anthropic-dangerous-direct-browser-access'], 'true');
        assert.equal(second.headers['anthropic-version'], '2023-06-01');
        assert.equal(second.headers.authorization, undefined, 'never as Authorization');
      } else {
        assert.equal(second.headers.authorization, `Bearer ${AUTH_KEY}`);
        assert.equal(second.headers['x-api-key'], undefined);
      }
      // The key is in no other header and no body of anything the server saw.
      for (const e of env.mock.log) {
        const where = Object.entries(e.headers).filter(([k, v]) => String(v).includes(AUTH_KEY) && !(e === second && k === (protocol === 'anthropic' ? 'x-api-key' : 'authorization')));
        assert.deepEqual(where, [], `${e.method} ${e.path}`);
        assert.ok(!(e.rawBody ?? '').includes(AUTH_KEY), `${e.method} ${e.path} body`);
      }
      assert.deepEqual(probe.console.filter((m) => m.text.includes(AUTH_KEY)), []);
    }));

  test(`${protocol}: without streaming, the whole JSON body gives the answer and the tool calls`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-happy', { stream: false });
      let r = await runTurn(page, 'At once');
      assert.deepEqual([r.state, r.text], ['done', HAPPY_TEXT]);
      assert.equal(posts(protocol)[0].body.stream, false);
      await setField(page, 'model', 'mock-tools');
      r = await runTurn(page, 'Tools at once');
      assert.equal(r.state, 'done');
      assert.deepEqual(await attrs(page, 'tool-call', 'data-name'), TOOL_CALLS.map((c) => c.name));
      assert.deepEqual(await texts(page, 'tool-call-args'), TOOL_CALLS.map((c) => pretty(c.arguments)));
      await setField(page, 'model', 'mock-reasoning');
      r = await runTurn(page, 'Think at once');
      assert.deepEqual([r.state, r.text], ['done', ANSWER_AFTER_REASONING]);
      assert.equal((await texts(page, 'thinking-text')).at(-1), REASONING_TEXT);
    }));

  test(`${protocol}: streamed reasoning goes to Thinking`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-reasoning');
      const r = await runTurn(page, 'Think');
      assert.deepEqual([r.state, r.text], ['done', ANSWER_AFTER_REASONING]);
      assert.equal((await texts(page, 'thinking-text')).at(-1), REASONING_TEXT);
    }));
}

for (const protocol of ALL) {
  test(`${protocol}: streamed tool calls show as they arrive, raw, then as pretty JSON; never run`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await open(page, protocol, 'mock-tools');
      await sendPrompt(page, 'Weather and time?');
      // While streaming: a call whose arguments are still a prefix of the raw text.
      const live = await (
        await page.waitForFunction(
          ([chatSel, callSel]) => {
            const state = document.querySelector(chatSel)?.getAttribute('data-state');
            const calls = [...document.querySelectorAll(callSel)];
            if (state !== 'streaming') return state === 'waiting' ? null : { state };
            const call = calls.find((c) => c.getAttribute('data-complete') === 'false');
            if (!call) return null;
            return { state, name: call.getAttribute('data-name'), args: call.querySelector('[data-testid="tool-call-args"]').textContent };
          },
          [sel('chat'), sel('tool-call')],
          { timeout: STATE_TIMEOUT, polling: 'raf' },
        )
      ).jsonValue();
      assert.equal(live.state, 'streaming', 'the calls show before the turn ends');
      const call = TOOL_CALLS.find((c) => c.name === live.name);
      assert.ok(call && call.arguments.startsWith(live.args), `raw prefix while incomplete: ${JSON.stringify(live)}`);
      assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.deepEqual(await attrs(page, 'tool-call', 'data-name'), TOOL_CALLS.map((c) => c.name));
      assert.deepEqual(await attrs(page, 'tool-call', 'data-complete'), ['true', 'true']);
      assert.deepEqual(await texts(page, 'tool-call-args'), TOOL_CALLS.map((c) => pretty(c.arguments)));
      const rows = await chunkRows(page);
      assert.ok(rows.some((row) => row.includes('"finish_reason": "tool_calls"')), rows.join('\n'));
      assert.equal(await optionalText(page, 'error'), null);
      // Never executed: the server saw one request, nothing else was fetched.
      assert.equal(posts(protocol).length, 1);
    }));
}

test('chat: cut-off, error event and HTTP error scenarios of the other protocols', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await open(page, 'chat', 'mock-length');
    let r = await runTurn(page, 'Long');
    assert.deepEqual([r.state, r.text], ['done', LENGTH_DELTAS.join('')]);
    assert.ok((await chunkRows(page)).some((row) => row.includes('"finish_reason": "length"')));
    await open(page, 'chat', 'mock-error-event');
    r = await runTurn(page, 'Fail');
    assert.equal(r.state, 'error');
    assert.ok(r.error.includes(MIDSTREAM_ERROR_MESSAGE), r.error);
    await open(page, 'chat', 'mock-http-error');
    r = await runTurn(page, 'Overload');
    assert.ok(r.error.includes('HTTP 500') && r.error.includes(HTTP_ERROR_MESSAGE), r.error);
  }));

test('the API select switches the protocol for the next request; presets set it', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-happy' });
    await openSettings(page);
    const select = page.locator(sel('protocol'));
    assert.equal(await select.inputValue(), 'chat', 'chat by default');
    assert.deepEqual(await select.locator('option').evaluateAll((os) => os.map((o) => o.value)), ALL);
    for (const protocol of ALL) {
      await select.selectOption(protocol);
      const r = await runTurn(page, `Via ${protocol}`);
      assert.deepEqual([r.state, r.text], ['done', HAPPY_TEXT], protocol);
      assert.equal(posts(protocol).length, 1, `one POST on ${PROTOCOL_PATHS[protocol]}`);
    }
    // Presets carry their protocol.
    await page.locator(sel('preset')).selectOption('anthropic');
    assert.equal(await page.locator(sel('endpoint')).inputValue(), 'https://api.anthropic.com/v1');
    assert.equal(await select.inputValue(), 'anthropic');
    await page.locator(sel('preset')).selectOption('openai');
    assert.equal(await select.inputValue(), 'responses');
    await page.locator(sel('preset')).selectOption('local');
    assert.equal(await select.inputValue(), 'chat');
  }));

test('compare mode follows the protocol: both runs on the Responses API', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await open(page, 'responses', 'mock-happy');
    await page.locator(sel('compare-open')).click();
    await page.locator(sel('compare-prompt')).fill('Compare me');
    await page.locator(sel('compare-run')).click();
    await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('data-state') === 'done', sel('compare'), { timeout: STATE_TIMEOUT });
    assert.equal(await optionalText(page, 'compare-plain-answer'), HAPPY_TEXT);
    assert.equal(await optionalText(page, 'compare-stream-answer'), HAPPY_TEXT);
    const sent = posts('responses');
    assert.deepEqual(sent.map((e) => e.body.stream).sort(), [false, true]);
    assert.equal(env.completions().length, 0);
  }));

/** The turn report after two more frames (text that would arrive late has had its chance). */
async function runTurnState(page) {
  await page.evaluate(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(r)), 100)));
  return { text: await assistantText(page) };
}
