// The hostile server in the Responses and Anthropic Messages protocols (`?protocol=`): bytes split
// one by one, CR-only lines, CRLF pairs split across writes, a BOM split from the first event,
// keep-alive comments before the answer, junk between the events, gzip; the endings (a finish
// without the terminal event, no finish at all, a body cut inside an event); the in-stream
// failure events; an HTTP 401 in the protocol's envelope. Exact kept text, state and notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHostileEnv, openApp, runTurn, startRecorder, readRecorder, until, TEST_TIMEOUT } from '../helpers.mjs';
import { TEXT, ERRORS, AFTER_ERROR_TEXT } from '../hostile-server.mjs';
import { PROTOCOL_PATHS } from '../protocol-wire.mjs';

const env = useHostileEnv();
const posts = (protocol) => env.mock.log.filter((e) => e.method === 'POST' && e.path.endsWith(PROTOCOL_PATHS[protocol].slice(3)));
const TERMINAL = { responses: 'response.completed', anthropic: 'message_stop' };

async function turn(page, protocol, scenario) {
  await openApp(page, env, { model: scenario, stream: true, params: { protocol } });
  await startRecorder(page);
  const r = await runTurn(page, `Run ${scenario}`);
  const sent = posts(protocol);
  assert.equal(sent.length, 1, 'one POST on the protocol path, no retry');
  assert.equal(env.completions().length, 0, 'nothing on chat/completions');
  return { r, rec: await readRecorder(page), post: sent[0] };
}

for (const protocol of ['responses', 'anthropic']) {
  for (const scenario of ['hostile-byte-split', 'hostile-cr-only', 'hostile-crlf-split', 'hostile-bom-split', 'hostile-comments-first', 'hostile-junk', 'hostile-gzip']) {
    test(`${protocol} ${scenario}: decodes exactly, done, no notice`, { timeout: TEST_TIMEOUT }, (t) =>
      env.withPage(t, async (page) => {
        const { r, rec, post } = await turn(page, protocol, scenario);
        assert.equal(r.state, 'done', `final state (error: ${JSON.stringify(r.error)})`);
        assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
        assert.equal(r.error, null);
        if (scenario !== 'hostile-junk') assert.equal(r.warning, null, 'no warning');
        else assert.ok(r.warning, 'the junk lines are warned about');
        for (const x of rec) {
          if (x.text) assert.ok(TEXT[scenario].startsWith(x.text) && !x.text.includes('\uFFFD'), `mid-stream ${JSON.stringify(x.text)}`);
        }
        if (scenario === 'hostile-byte-split') assert.ok(post.writes > 300, `byte by byte: ${post.writes} writes`);
      }));
  }

  test(`${protocol} hostile-finish-no-done: the finish without ${TERMINAL[protocol]} is an incomplete answer`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      const scenario = 'hostile-finish-no-done';
      const { r, post } = await turn(page, protocol, scenario);
      assert.equal(r.state, 'error');
      assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
      assert.equal(r.error, `incomplete response: the stream ended before the server finished the answer (no ${TERMINAL[protocol]})`);
      assert.equal(post.completed, true, 'the server ended the body normally');
    }));

  for (const scenario of ['hostile-no-finish-no-done', 'hostile-cut-mid-event']) {
    test(`${protocol} ${scenario}: incomplete, text kept`, { timeout: TEST_TIMEOUT }, (t) =>
      env.withPage(t, async (page) => {
        const { r } = await turn(page, protocol, scenario);
        assert.equal(r.state, 'error');
        assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
        assert.match(r.error, /^incomplete response: /);
        assert.ok(r.error.includes(TERMINAL[protocol]), r.error);
        assert.equal(r.error.includes('the last event was cut off'), scenario === 'hostile-cut-mid-event', r.error);
      }));
  }

  for (const scenario of ['hostile-inband-openai', 'hostile-inband-event']) {
    test(`${protocol} ${scenario}: the failure event ends the turn with the server's message, later bytes ignored`, { timeout: TEST_TIMEOUT }, (t) =>
      env.withPage(t, async (page) => {
        const { r } = await turn(page, protocol, scenario);
        assert.equal(r.state, 'error');
        assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
        assert.ok(r.error.startsWith('the server reported an error: ') && r.error.includes(ERRORS[scenario]), r.error);
        await until(() => posts(protocol)[0]?.tEnd, { message: 'the response to end' });
        await page.evaluate(() => new Promise((res) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(res)), 100)));
        const after = await page.evaluate(() => [...document.querySelectorAll('[data-testid="message-assistant"]')].at(-1).textContent);
        assert.ok(!after.includes(AFTER_ERROR_TEXT.trim()), after);
        assert.equal(await page.evaluate(() => document.querySelector('[data-testid="chat"]').getAttribute('data-state')), 'error');
      }));
  }

  test(`${protocol} hostile-http-401: the status and the message of the protocol's error envelope`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      const { r } = await turn(page, protocol, 'hostile-http-401');
      assert.equal(r.state, 'error');
      assert.ok(r.error.startsWith('HTTP 401') && r.error.includes(ERRORS['hostile-http-401']), r.error);
    }));
}
