// (f) Stop: partial text kept, state stopped, the connection is closed, nothing arrives afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, waitForAssistantIncludes, assistantText, chatState, until, delay,
  sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { SLOW_INTERVAL_MS } from '../mock-server.mjs';

const env = useEnv();

test('Stop aborts the request, keeps the partial text and freezes it', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-slow', stream: true });
    await sendPrompt(page, 'Count slowly');
    await waitForAssistantIncludes(page, 'tick 2');
    assert.equal(await chatState(page), 'streaming', 'state while ticks arrive');

    await page.locator(sel('stop')).click();
    const tClick = Date.now();
    assert.equal(await waitForState(page, ['stopped', 'error', 'done']), 'stopped');
    const kept = await assistantText(page);
    assert.ok(kept.startsWith('tick 0 tick 1 tick 2'), `kept text should start with "tick 0 tick 1 tick 2"; got ${JSON.stringify(kept)}`);

    // The mock sees the client close the connection within 1 s of the click.
    const entry = await until(() => env.completions().find((e) => e.aborted), {
      timeout: 1_000,
      message: `the mock to log aborted: true (log: ${JSON.stringify(env.completions().map(({ aborted, completed, tEnd }) => ({ aborted, completed, tEnd })))})`,
    }).catch((err) => {
      throw new Error(`${err.message}; the fetch was not aborted within 1 s of Stop`);
    });
    assert.ok(entry.tEnd - tClick <= 1_000, `connection closed ${entry.tEnd - tClick} ms after Stop`);
    assert.equal(entry.completed, false);

    // Negative check: nothing may be appended afterwards. The mock would have sent 3 more ticks in
    // this window had the connection survived (this is the only fixed wait in the suite).
    await delay(3 * SLOW_INTERVAL_MS);
    assert.equal(await assistantText(page), kept, 'text must not grow after Stop');
    assert.equal(await chatState(page), 'stopped', 'state stays stopped');
    assert.equal(env.completions().length, 1, 'no automatic retry');
  }));
