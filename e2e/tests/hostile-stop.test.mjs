// Hostile servers: silence. Slow headers, and Stop (button or Escape) while the server
// sends nothing after the headers, stops in the middle of an event, or is in the middle of one
// enormous event. Stop must set data-state "stopped" within two animation frames, keep the text,
// show the stopped note, and close the connection (the server sees it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHostileEnv, openApp, sendPrompt, waitForState, waitForAssistantIncludes, turnReport, statValue,
  installStopProbe, readStopProbe, waitForClientClose, until, delay, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { TEXT } from '../hostile-server.mjs';

const env = useHostileEnv();

const STOPPED_NOTE = 'Stopped. The partial answer is kept.';

/** Everything a Stop must achieve, after the gesture was made. */
async function assertStopped(page, { text, gestureAt }) {
  assert.equal(await waitForState(page, ['stopped', 'error', 'done'], 5_000), 'stopped');
  const probe = await readStopProbe(page);
  assert.ok(probe.t0 != null, 'the Stop gesture was seen by the page');
  assert.ok(probe.framesAtStopped != null && probe.framesAtStopped <= 2,
    `data-state became "stopped" within 2 animation frames of the ${probe.gesture} (took ${probe.framesAtStopped} frames, ${
      probe.tStopped != null ? (probe.tStopped - probe.t0).toFixed(1) : '?'} ms)`);
  const r = await turnReport(page);
  assert.equal(r.text, text, 'kept text (exact)');
  assert.equal(r.stopped, STOPPED_NOTE, 'the stopped note');
  assert.equal(r.error, null, 'no error notice');
  assert.equal(r.waiting, null, 'no waiting note');
  assert.equal(r.warning, null, 'no warning notice');
  const entry = await waitForClientClose(env, { timeout: 1_500 });
  assert.equal(entry.completed, false);
  assert.ok(entry.tEnd - gestureAt <= 1_500, `the server saw the connection close ${entry.tEnd - gestureAt} ms after Stop`);
  // Nothing changes afterwards, and nothing is retried.
  await delay(300);
  assert.deepEqual(await turnReport(page), r, 'nothing changes after Stop');
  assert.equal(env.completions().length, 1, 'no automatic retry');
  return `stopped ${probe.framesAtStopped} frame(s), ${(probe.tStopped - probe.t0).toFixed(1)} ms after the ${probe.gesture}; connection closed ${entry.tEnd - gestureAt} ms after it`;
}

test('hostile-silent-headers: headers then nothing; Stop (button) while waiting → stopped, empty text kept, connection closed', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'hostile-silent-headers', stream: true });
    await installStopProbe(page);
    await sendPrompt(page, 'Say nothing');
    await until(() => env.completions()[0]?.marks.headersAt, { message: 'headers sent' });
    await page.locator(sel('waiting')).waitFor({ state: 'visible', timeout: 5_000 });
    const before = await turnReport(page);
    assert.equal(before.state, 'waiting', 'state while the server is silent');
    assert.match(before.waiting, /^Waiting for the first token… \d+\.\d s\.$/, 'waiting note without keep-alives');
    const gestureAt = Date.now();
    await page.locator(sel('stop')).click();
    t.diagnostic(await assertStopped(page, { text: '', gestureAt }));
  }));

test('hostile-silent-mid-event: text, then half an event, then silence; Escape → stopped, text kept, connection closed', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-silent-mid-event';
    await openApp(page, env, { model: scenario, stream: true });
    await installStopProbe(page);
    await sendPrompt(page, 'Stop halfway');
    await waitForAssistantIncludes(page, TEXT[scenario]);
    await until(() => env.completions()[0]?.marks.silentFrom, { message: 'the half event sent' });
    await delay(100);
    assert.equal((await turnReport(page)).state, 'streaming');
    const gestureAt = Date.now();
    await page.locator(sel('prompt')).press('Escape');
    t.diagnostic(await assertStopped(page, { text: TEXT[scenario], gestureAt }));
  }));

test('hostile-endless-event: Stop while one enormous event is arriving → stopped, text before it kept, connection closed', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-endless-event';
    await openApp(page, env, { model: scenario, stream: true });
    await installStopProbe(page);
    await sendPrompt(page, 'Send a lot');
    await waitForAssistantIncludes(page, TEXT[scenario]);
    await until(() => (env.completions()[0]?.marks.enormousBytes ?? 0) >= 1024 * 1024, { message: '1 MiB of the enormous event sent' });
    assert.equal((await turnReport(page)).state, 'streaming');
    const gestureAt = Date.now();
    await page.locator(sel('stop')).click();
    t.diagnostic(await assertStopped(page, { text: TEXT[scenario], gestureAt }));
    const entry = env.completions()[0];
    assert.ok(entry.marks.enormousBytes < 6 * 1024 * 1024, `the server was still sending the event when it was stopped (${entry.marks.enormousBytes} bytes)`);
  }));

test('hostile-slow-headers: no byte for 3 s (not even headers) → waiting note meanwhile, then done', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-slow-headers';
    await openApp(page, env, { model: scenario, stream: true });
    await sendPrompt(page, 'Take your time');
    await delay(1_000);
    const mid = await turnReport(page);
    assert.equal(env.completions()[0]?.marks.headersAt, undefined, 'headers not sent yet (test timing)');
    assert.equal(mid.state, 'waiting');
    assert.match(mid.waiting ?? '', /^Waiting for the first token… \d+\.\d s\.$/, 'waiting note while nothing arrives');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    const r = await turnReport(page);
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
    assert.equal(r.waiting, null);
    const headers = await statValue(page, 'stat-headers-ms');
    assert.ok(headers >= 2_900, `headers stat ${headers} ms >= 2900`);
    assert.equal(env.completions().length, 1, 'one POST');
  }));
