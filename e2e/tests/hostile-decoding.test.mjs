// Hostile servers: bytes split anywhere, odd line endings, BOM, keep-alive comments, junk
// payloads, odd chunk shapes, content types, JSON instead of SSE, gzip, redirects.
// Every test asserts the exact kept text, the final data-state and every notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHostileEnv, openApp, runTurn, sendPrompt, waitForState, turnReport, startRecorder, readRecorder,
  statValue, until, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { TEXT } from '../hostile-server.mjs';

const env = useHostileEnv();

/** A turn that must end `done` with exactly TEXT[scenario] and no notice at all. */
async function expectClean(page, scenario, { params, beforeSend } = {}) {
  await openApp(page, env, { model: scenario, stream: true, params });
  await startRecorder(page);
  if (beforeSend) await beforeSend();
  const r = await runTurn(page, `Run ${scenario}`);
  assert.equal(r.state, 'done', `final state (error: ${JSON.stringify(r.error)})`);
  assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
  assert.equal(r.error, null, 'no error notice');
  assert.equal(r.warning, null, 'no warning notice');
  assert.equal(r.stopped, null, 'no stopped notice');
  assert.equal(r.waiting, null, 'no waiting notice after the turn');
  const rec = await readRecorder(page);
  for (const x of rec) {
    if (x.text == null) continue;
    assert.ok(!x.text.includes('\uFFFD'), `U+FFFD shown mid-stream: ${JSON.stringify(x.text)}`);
    assert.ok(TEXT[scenario].startsWith(x.text), `mid-stream text ${JSON.stringify(x.text)} is not a prefix of the final text`);
  }
  const posts = env.completions();
  assert.equal(posts.length, 1, 'exactly one POST (no automatic retry)');
  return { r, rec, posts };
}

test('hostile-byte-split: every byte its own write (inside 你, 好, 👍 and "\\n\\n") decodes exactly', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const { rec, posts } = await expectClean(page, 'hostile-byte-split');
    assert.ok(posts[0].writes > 300, `the server wrote byte by byte (${posts[0].writes} writes)`);
    const partials = new Set(rec.filter((x) => x.text && x.text !== TEXT['hostile-byte-split']).map((x) => x.text));
    assert.ok(partials.size >= 2, `the answer was rendered incrementally (${partials.size} partial renders)`);
  }));

test('hostile-cr-only: CR-only line endings and `data:[DONE]` without a space', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await expectClean(page, 'hostile-cr-only');
  }));

test('hostile-crlf-split: CRLF with every CR | LF pair split across writes', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const { r } = await expectClean(page, 'hostile-crlf-split');
    assert.ok(!r.text.includes('\r'), 'no CR in the answer');
  }));

test('hostile-bom-split: a BOM split EF | BB BF, then the first content event at once', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const { r } = await expectClean(page, 'hostile-bom-split');
    assert.ok(!r.text.includes('\uFEFF'), 'no BOM in the answer');
  }));

test('hostile-bom-whole: a BOM in the same write as the first content event', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await expectClean(page, 'hostile-bom-whole');
  }));

test('hostile-comments-first: `: OPENROUTER PROCESSING` for ~2 s shows the waiting note, then the answer', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-comments-first';
    await openApp(page, env, { model: scenario, stream: true });
    await sendPrompt(page, 'Wait for it');
    // After 3+ comments (~0.6 s) and well before the answer (~2.1 s): still waiting, note visible.
    await until(() => env.completions()[0]?.marks.commentsSent >= 3, { message: '3 comments sent' });
    await page.waitForFunction(
      (s) => /keep-alive comment/.test(document.querySelector(s)?.textContent || ''),
      sel('waiting'), { timeout: 2_000, polling: 'raf' },
    ).catch(() => {});
    const mid = await turnReport(page);
    const entry = env.completions()[0];
    assert.equal(entry.marks.answerAt, undefined, 'the answer has not been sent yet (test timing)');
    assert.equal(mid.state, 'waiting', 'state while only comments arrive');
    assert.ok(await page.locator(sel('waiting')).isVisible(), 'the waiting note is visible');
    assert.match(mid.waiting, /^Waiting for the first token… \d+\.\d s\. The server is working \(\d+ keep-alive comments?\)\.$/,
      'waiting note text');
    assert.equal(mid.text, '', 'no answer text yet (comments are not text)');
    assert.equal(mid.error, null);

    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    const r = await turnReport(page);
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.waiting, null, 'the waiting note is gone');
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
    assert.ok(!/OPENROUTER/.test(r.text), 'comment text never shown as answer');
    const firstToken = await statValue(page, 'stat-first-token-ms');
    assert.ok(firstToken >= 2000, `first token after the ~2.1 s of comments (${firstToken} ms)`);
    assert.equal(env.completions().length, 1, 'one POST');
  }));

test('hostile-junk: `data: null`, `data: : keepalive`, `data` with no colon are skipped with one warning', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-junk';
    await openApp(page, env, { model: scenario, stream: true });
    const r = await runTurn(page);
    assert.equal(r.state, 'done', `final state (error: ${JSON.stringify(r.error)})`);
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, null, 'junk does not abort the turn');
    // What the app does: the first skipped payload is named, the others counted.
    assert.equal(r.warning, 'skipped a chunk that is not a JSON object: null (and 2 more)', 'warning notice');
    assert.equal(env.completions().length, 1);
  }));

test('hostile-odd-chunks: choices:[], delta:{}, content:null, finish_reason:"", index 1, usage-only chunk', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const { r } = await expectClean(page, 'hostile-odd-chunks');
    assert.ok(!r.text.includes('OTHER CHOICE'), 'choice index 1 is not mixed into choice 0');
  }));

test('hostile-charset: `text/event-stream; charset=utf-8`', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await expectClean(page, 'hostile-charset');
  }));

test('hostile-no-content-type: an event stream with no Content-Type header', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await expectClean(page, 'hostile-no-content-type');
  }));

test('hostile-json-ignores-stream: stream:true answered with one application/json completion', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const { posts } = await expectClean(page, 'hostile-json-ignores-stream');
    assert.equal(posts[0].body.stream, true, 'the app asked for a stream');
  }));

test('hostile-gzip: Content-Encoding gzip flushed per event still streams, exact text', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-gzip';
    const watchFirstText = () => page.evaluate((s) => {
      window.__firstTextAt = null;
      new MutationObserver(() => {
        const as = document.querySelectorAll(s);
        if (window.__firstTextAt == null && as.length && as[as.length - 1].textContent.length > 0) window.__firstTextAt = Date.now();
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, sel('message-assistant'));
    const { posts } = await expectClean(page, scenario, { beforeSend: watchFirstText });
    const firstTextAt = await page.evaluate(() => window.__firstTextAt);
    const m = posts[0].marks;
    assert.equal(posts[0].headers['accept-encoding']?.includes('gzip'), true, 'the browser accepts gzip');
    assert.ok(m.gzipBytes > 0 && m.gzipBytes < posts[0].bytesSent, `the body went out compressed (${m.gzipBytes} < ${posts[0].bytesSent} bytes)`);
    assert.ok(firstTextAt != null, 'text was seen');
    assert.ok(firstTextAt < m.lastContentAt - 300,
      `the first token was shown (${firstTextAt}) well before the last one was sent (${m.lastContentAt}): not buffered`);
  }));

test('hostile-redirect: 307 to another path on the same server streams fine', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-redirect';
    await openApp(page, env, { model: scenario, stream: true });
    const r = await runTurn(page);
    assert.equal(r.state, 'done', `final state (error: ${JSON.stringify(r.error)})`);
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
    const posts = env.completions();
    assert.deepEqual(posts.map((p) => [p.path, p.status]), [
      ['/v1/chat/completions', 307],
      ['/redirected/v1/chat/completions', 200],
    ], 'one POST to the endpoint (307), one to the redirect target (200): no retry');
    assert.equal(posts[1].body?.model, scenario, 'the body was re-POSTed to the target');
  }));
