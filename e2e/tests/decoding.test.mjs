// (g) UTF-8 split across network chunks, (h) CRLF line endings + comment line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, assistantText, startRecorder, readRecorder, TEST_TIMEOUT,
} from '../helpers.mjs';
import { HAPPY_TEXT, UTF8_TEXT } from '../mock-server.mjs';

const env = useEnv();

test('multi-byte characters split across network chunks decode exactly', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-utf8', stream: true });
    await startRecorder(page);
    await sendPrompt(page, 'Say it in Chinese');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    const text = await assistantText(page);
    assert.equal(text, UTF8_TEXT, 'final text (exact)');
    assert.ok(!text.includes('\uFFFD'), 'no U+FFFD replacement character');
    const rec = await readRecorder(page);
    for (const r of rec) {
      if (r.text == null) continue;
      assert.ok(!r.text.includes('\uFFFD'), `U+FFFD shown mid-stream: ${JSON.stringify(r.text)}`);
      assert.ok(UTF8_TEXT.startsWith(r.text), `mid-stream text ${JSON.stringify(r.text)} is not a prefix of the final text`);
    }
  }));

test('CRLF line endings and a comment line: same text as the happy path', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-crlf', stream: true });
    await sendPrompt(page, 'Say hello with CRLF');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    const text = await assistantText(page);
    assert.equal(text, HAPPY_TEXT, 'final text (exact)');
    assert.ok(!/keep-alive|\r/.test(text), 'no comment text or CR in the answer');
  }));
