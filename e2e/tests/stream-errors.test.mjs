// (c) in-band error frame at HTTP 200, (d) connection dropped mid-stream, and (extra) a body that
// ends cleanly without finish_reason / [DONE].
//
// Whitespace decision for (c): the mock streams "Partial " + "answer " then the error. We require
// the kept text to be exactly "Partial answer " OR that string with trailing whitespace removed
// (`text.trimEnd() === 'Partial answer'` and `text.startsWith('Partial answer')`): a renderer may
// legitimately trim the tail of a failed partial answer, but no other character may change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, assistantText, optionalText, until, chatState, TEST_TIMEOUT,
} from '../helpers.mjs';

const env = useEnv();

test('mid-stream error frame: partial text kept, state error, server message shown', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-midstream-error', stream: true });
    await sendPrompt(page, 'Fail halfway');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'error');
    const text = await assistantText(page);
    assert.ok(text === 'Partial answer ' || text === 'Partial answer',
      `kept text must be "Partial answer " (trailing space may be trimmed), got ${JSON.stringify(text)}`);
    const err = await optionalText(page, 'error');
    assert.ok(err && err.trim().length > 0, 'error element present and non-empty');
    assert.ok(err.includes('The server had an error'), `error should contain the server's message; got ${JSON.stringify(err)}`);

    // The server still sends `data: [DONE]` after the error frame: it must not turn the turn into done.
    await until(() => env.completions()[0]?.tEnd, { message: 'the mock to finish the response' });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await chatState(page), 'error', 'state stays error after the trailing [DONE]');
    assert.equal(await assistantText(page), text, 'text unchanged after [DONE]');
    assert.equal(env.completions().length, 1, 'no automatic retry');
  }));

test('dropped connection: partial text kept, state error, error says incomplete', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-drop', stream: true });
    await sendPrompt(page, 'Drop the connection');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'error');
    assert.equal(await assistantText(page), 'Some text before the drop', 'kept text (exact)');
    const err = await optionalText(page, 'error');
    assert.ok(err && err.trim().length > 0, 'error element present and non-empty');
    assert.match(err, /incomplete/i, `error should mention "incomplete"; got ${JSON.stringify(err)}`);
    const posts = env.completions();
    assert.equal(posts.length, 1, 'no automatic retry');
    assert.equal(posts[0].dropped, true, 'the mock dropped the connection');
  }));

test('clean end of body without finish_reason or [DONE]: text kept, state error, incomplete', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-truncated', stream: true });
    await sendPrompt(page, 'End early');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'error');
    assert.equal(await assistantText(page), 'Some text before the end', 'kept text (exact)');
    const err = await optionalText(page, 'error');
    assert.ok(err && err.trim().length > 0, 'error element present and non-empty');
    assert.match(err, /incomplete/i, `error should mention "incomplete"; got ${JSON.stringify(err)}`);
    const posts = env.completions();
    assert.equal(posts.length, 1, 'no automatic retry');
    assert.equal(posts[0].completed, true, 'the mock ended the body normally');
  }));
