// Hostile servers: size. One 2 MiB delta, 20,000 tiny deltas (the page must stay
// responsive), a line that never ends (> 64 MiB, no newline) and an event that never ends (> 64 MiB of
// data lines, no blank line): the decoder's 64 MiB limits (src/sse.rs DEFAULT_MAX_SIZE) must end the
// turn with a clear error, keep the text, and close the connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHostileEnv, openApp, runTurn, sendPrompt, waitForState, turnReport, statValue, until, pageDeadline, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { TEXT, MANY_DELTAS_COUNT } from '../hostile-server.mjs';

const env = useHostileEnv();

const LIMIT = 64 * 1024 * 1024;

test('hostile-huge-delta: one 2 MiB delta in one event → done, exact text and length', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-huge-delta';
    await openApp(page, env, { model: scenario, stream: true });
    const t0 = Date.now();
    const r = await pageDeadline(page, runTurn(page), 20_000,
      'the turn did not end within 20 s of sending a 2 MiB delta');
    t.diagnostic(`turn ended ${Date.now() - t0} ms after Send`);
    assert.equal(r.state, 'done', `final state (error: ${JSON.stringify(r.error)})`);
    assert.equal(r.text.length, TEXT[scenario].length, 'length (exact)');
    assert.ok(r.text === TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
    assert.equal(env.completions().length, 1);
  }));

test('hostile-many-deltas: 20,000 tiny deltas → done, exact text, the page stays responsive', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const scenario = 'hostile-many-deltas';
    await openApp(page, env, { model: scenario, stream: true });
    // A setTimeout(0) probe chain and a rAF chain: the worst delay of each while the turn runs.
    await page.evaluate((chatSel) => {
      const chat = document.querySelector(chatSel);
      const p = (window.__lag = { timeoutMax: 0, timeoutN: 0, rafMax: 0, rafN: 0 });
      const busy = () => ['waiting', 'streaming'].includes(chat.getAttribute('data-state'));
      const tick = () => {
        const t0 = performance.now();
        setTimeout(() => {
          const lag = performance.now() - t0;
          if (busy()) {
            p.timeoutN++;
            p.timeoutMax = Math.max(p.timeoutMax, lag);
          }
          if (!p.stop) tick();
        }, 0);
      };
      let last = null;
      const frame = (ts) => {
        if (busy() && last != null) {
          p.rafN++;
          p.rafMax = Math.max(p.rafMax, ts - last);
        }
        last = ts;
        if (!p.stop) requestAnimationFrame(frame);
      };
      tick();
      requestAnimationFrame(frame);
    }, sel('chat'));
    await sendPrompt(page, 'Many small pieces');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    const lag = await page.evaluate(() => {
      window.__lag.stop = true;
      return window.__lag;
    });
    const r = await turnReport(page);
    assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
    const chunks = await statValue(page, 'stat-chunks');
    assert.ok(chunks >= MANY_DELTAS_COUNT, `stat-chunks ${chunks} >= ${MANY_DELTAS_COUNT}`);
    const entry = env.completions()[0];
    const streamMs = entry.marks.lastEventAt - entry.marks.firstContentAt;
    t.diagnostic(`streamed for ${streamMs} ms; setTimeout(0) lag max ${lag.timeoutMax.toFixed(1)} ms over ${lag.timeoutN} probes; frame gap max ${lag.rafMax.toFixed(1)} ms over ${lag.rafN} frames`);
    assert.ok(lag.timeoutN >= 20, `the setTimeout probe ran during streaming (${lag.timeoutN} times)`);
    // Generous bounds for 2 busy cores (typical worst cases seen: 80-220 ms and 70-150 ms); a
    // re-render that grows with the answer  stalls for seconds with 20,000 deltas.
    assert.ok(lag.timeoutMax < 500, `a setTimeout(0) scheduled during streaming fired within 500 ms (worst ${lag.timeoutMax.toFixed(1)} ms)`);
    assert.ok(lag.rafN >= 10, `frames were painted during streaming (${lag.rafN})`);
    assert.ok(lag.rafMax < 750, `no frame gap of 750 ms or more during streaming (worst ${lag.rafMax.toFixed(1)} ms)`);
  }));

/** A flood past the 64 MiB limit: error naming the limit, text kept, the connection closed. */
async function floodTest(page, scenario, what) {
  await openApp(page, env, { model: scenario, stream: true });
  const r = await runTurn(page);
  assert.equal(r.state, 'error', `final state (error: ${JSON.stringify(r.error)})`);
  assert.equal(r.text, TEXT[scenario], 'kept text (exact)');
  assert.ok(r.error && new RegExp(what, 'i').test(r.error), `error names the ${what}: ${JSON.stringify(r.error)}`);
  assert.match(r.error, /limit/i, 'error says a limit was hit');
  assert.match(r.error, /64 MiB|67108864|67,108,864/, 'error names the limit size');
  assert.equal(r.warning, null);
  const entry = await until(() => env.completions().find((e) => e.aborted), { timeout: 3_000, message: 'the client to close the flood' });
  assert.ok(entry.bytesSent > LIMIT, `the server had sent more than the limit (${entry.bytesSent} bytes)`);
  assert.equal(entry.marks.floodEndAt, undefined, 'the client closed the connection before the 128 MiB flood ended');
  assert.equal(env.completions().length, 1, 'no automatic retry');
  return r;
}

test('hostile-no-newline: `data: xxxx…` with no line end past 64 MiB → error about the line limit, text kept, connection closed', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const r = await floodTest(page, 'hostile-no-newline', 'line');
    t.diagnostic(`error: ${r.error}`);
  }));

test('hostile-event-too-large: data lines past 64 MiB without a blank line → error about the event limit, text kept, connection closed', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const r = await floodTest(page, 'hostile-event-too-large', 'event');
    t.diagnostic(`error: ${r.error}`);
  }));
