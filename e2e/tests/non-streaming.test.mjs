// (b) stream=false: one JSON completion, same final text, no incremental rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, assistantText, allTexts, optionalText, statValue,
  startRecorder, readRecorder, lastUserContent, TEST_TIMEOUT,
} from '../helpers.mjs';
import { HAPPY_TEXT } from '../mock-server.mjs';

const env = useEnv();

test('non-streaming: the whole answer arrives at once, state done', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-happy', stream: false });
    await startRecorder(page);
    await sendPrompt(page, 'Say hello, all at once');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    assert.equal(await assistantText(page), HAPPY_TEXT, 'final assistant text (exact)');
    assert.equal((await allTexts(page, 'message-assistant')).length, 1);
    const err = await optionalText(page, 'error');
    assert.ok(err == null || err.trim() === '', `no error expected, got ${JSON.stringify(err)}`);

    // No SSE: the request asked for stream:false and nothing was rendered piecemeal.
    const posts = env.completions();
    assert.equal(posts.length, 1, 'exactly one completion request');
    assert.equal(posts[0].body.stream, false, 'request body stream: false');
    assert.equal(posts[0].body.model, 'mock-happy');
    assert.equal(lastUserContent(posts[0].body), 'Say hello, all at once');
    assert.equal(posts[0].body.stream_options, undefined, 'no stream_options without streaming');
    const rec = await readRecorder(page);
    const partial = rec.filter((r) => r.text && r.text !== HAPPY_TEXT);
    assert.deepEqual(partial, [], 'no partial text may be shown for a non-streamed answer');
    assert.ok(!rec.some((r) => r.state === 'streaming'), `state 'streaming' must not occur: ${rec.map((r) => r.state)}`);

    // The mock answers after ~550 ms.
    const total = await statValue(page, 'stat-total-ms');
    assert.ok(total >= 450 && total < 20_000, `stat-total-ms ${total} should be >= 450`);
  }));
