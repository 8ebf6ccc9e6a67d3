// (a) Happy path, streaming: incremental rendering, exact final text, latency figures, request body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, assistantText, allTexts, optionalText, statValue,
  startRecorder, readRecorder, lastUserContent, chatState, sel, TEST_TIMEOUT, STATE_TIMEOUT,
  openChunkLog,
} from '../helpers.mjs';
import { HAPPY_TEXT, HAPPY_DELTAS } from '../mock-server.mjs';

const env = useEnv();
const PROMPT = 'Say hello';

test('happy path: streamed answer renders incrementally, ends done, latency figures are sane', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-happy', stream: true });
    assert.equal(await chatState(page), 'idle', 'state before sending');
    await startRecorder(page);
    await sendPrompt(page, PROMPT);

    // Poll (in-page, atomically) for the first moment the assistant text is non-empty and not final.
    const early = await (
      await page.waitForFunction(
        ([chatSel, asstSel, finalText]) => {
          const as = document.querySelectorAll(asstSel);
          const text = as.length ? as[as.length - 1].textContent : '';
          const state = document.querySelector(chatSel)?.getAttribute('data-state');
          if (state === 'done' || state === 'error' || state === 'stopped') return { state, text, late: true };
          return text.length > 0 ? { state, text } : null;
        },
        [sel('chat'), sel('message-assistant'), HAPPY_TEXT],
        { timeout: STATE_TIMEOUT, polling: 'raf' },
      )
    ).jsonValue();
    assert.ok(!early.late, `the turn ended (${early.state}) before any partial text was seen: not incremental`);
    assert.equal(early.state, 'streaming', 'state while the first deltas are shown');
    assert.ok(early.text.length < HAPPY_TEXT.length && HAPPY_TEXT.startsWith(early.text),
      `partial text ${JSON.stringify(early.text)} must be a strict prefix of the final text`);

    const final = await waitForState(page, ['done', 'error', 'stopped']);
    assert.equal(final, 'done');
    assert.equal(await assistantText(page), HAPPY_TEXT, 'final assistant text (exact)');
    assert.equal((await allTexts(page, 'message-assistant')).length, 1, 'one assistant message');
    const users = await allTexts(page, 'message-user');
    assert.equal(users.length, 1, 'one user message');
    assert.equal(users[0].trim(), PROMPT);
    const err = await optionalText(page, 'error');
    assert.ok(err == null || err.trim() === '', `no error expected, got ${JSON.stringify(err)}`);

    // Every observed DOM state: partial texts only grow, are prefixes of the final, in streaming state.
    const rec = await readRecorder(page);
    const withText = rec.filter((r) => r.text);
    for (const r of withText) {
      assert.ok(HAPPY_TEXT.startsWith(r.text), `observed text ${JSON.stringify(r.text)} is not a prefix of the final text`);
      if (r.text !== HAPPY_TEXT) assert.equal(r.state, 'streaming', `state while showing partial ${JSON.stringify(r.text)}`);
    }
    for (let i = 1; i < withText.length; i++) {
      assert.ok(withText[i].text.length >= withText[i - 1].text.length, 'the text never shrinks while streaming');
    }
    const partials = new Set(withText.map((r) => r.text).filter((x) => x !== HAPPY_TEXT));
    assert.ok(partials.size >= 3, `expected >= 3 distinct partial renders (40 ms between deltas), saw ${partials.size}`);
    const states = rec.map((r) => r.state).filter((s, i, a) => i === 0 || s !== a[i - 1]);
    assert.ok(states.includes('streaming'), `states seen: ${states}`);
    assert.equal(states.at(-1), 'done', `states seen: ${states}`);
    assert.ok(states.indexOf('streaming') < states.lastIndexOf('done'), `states seen: ${states}`);

    // Latency figures (ms since the request was sent). The mock sends a role-only chunk at ~60 ms,
    // the first content delta at ~150 ms, then 9 more every 40 ms (~360 ms), then stop + [DONE].
    const firstChunk = await statValue(page, 'stat-first-chunk-ms');
    const firstToken = await statValue(page, 'stat-first-token-ms');
    const total = await statValue(page, 'stat-total-ms');
    const chunks = await statValue(page, 'stat-chunks');
    assert.ok(firstChunk > 0, `first chunk ms ${firstChunk} > 0`);
    assert.ok(firstToken > 0, `first token ms ${firstToken} > 0`);
    assert.ok(firstChunk <= firstToken, `first chunk (${firstChunk}) <= first token (${firstToken})`);
    assert.ok(firstToken >= 140, `first token ms ${firstToken} >= 140 (server waits 150 ms)`);
    assert.ok(firstToken < total, `first token (${firstToken}) < total (${total})`);
    assert.ok(total - firstToken >= 250,
      `total - first token = ${total - firstToken} ms; the deltas span ~360 ms, so the body was buffered`);
    assert.ok(total < 20_000, `total ${total} ms is implausibly large`);
    assert.ok(chunks >= HAPPY_DELTAS.length, `stat-chunks ${chunks} >= ${HAPPY_DELTAS.length}`);

    await openChunkLog(page);
    const rows = await page.locator(`${sel('chunk-log')} ${sel('chunk-row')}`).evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-ms')));
    assert.ok(rows.length >= 10, `chunk rows: ${rows.length} >= 10`);
    const ms = rows.map(Number);
    ms.forEach((v, i) => assert.ok(Number.isFinite(v) && rows[i] !== '' && rows[i] != null, `chunk-row ${i} data-ms numeric: ${rows[i]}`));
    for (let i = 1; i < ms.length; i++) assert.ok(ms[i] >= ms[i - 1], `chunk-row data-ms nondecreasing: ${ms.join(', ')}`);
    assert.ok(ms[0] >= 0 && ms.at(-1) <= total + 5, `chunk rows within [0, total=${total}]: ${ms.join(', ')}`);

    // What the server received.
    const posts = env.completions();
    assert.equal(posts.length, 1, 'exactly one completion request (no retries/duplicates)');
    assert.equal(posts[0].body.stream, true, 'request body stream: true');
    assert.equal(posts[0].body.model, 'mock-happy', 'request body model');
    assert.equal(lastUserContent(posts[0].body), PROMPT, 'last user message content');
    assert.match(posts[0].headers['content-type'] || '', /application\/json/);
    assert.equal(posts[0].authorization, null, 'no Authorization header without a key');
  }));
