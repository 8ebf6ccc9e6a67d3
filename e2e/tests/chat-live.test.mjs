// Live latency figures: first chunk / first token and the chunk count are shown while the
// answer streams, and the sparkline (<svg data-points>) grows during the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEnv, openApp, sendPrompt, waitForState, waitInPage, delay, sel, TEST_TIMEOUT } from '../helpers.mjs';

const env = useEnv();

const live = (page) =>
  page.evaluate(() => {
    const q = (id) => document.querySelector(`[data-testid="${id}"]`);
    const num = (id) => {
      const v = q(id)?.getAttribute('data-value');
      return v == null || v === '' ? null : Number(v);
    };
    const svg = q('sparkline');
    return {
      state: q('chat')?.getAttribute('data-state'),
      firstChunk: num('stat-first-chunk-ms'),
      firstToken: num('stat-first-token-ms'),
      chunks: num('stat-chunks'),
      chunksText: q('stat-chunks')?.textContent ?? null,
      svg: svg ? svg.tagName.toLowerCase() : null,
      points: svg ? Number(svg.getAttribute('data-points')) : null,
      polyline: svg ? (svg.querySelector('polyline')?.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length : null,
    };
  });

test('live figures and the sparkline update during the stream', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-long' });
    const before = await live(page);
    assert.equal(before.svg, 'svg', 'the sparkline is an <svg>');
    assert.equal(before.points, 0, 'no points before the first turn');

    await sendPrompt(page, 'Stream for a while');
    await waitInPage(page, () => {
      const c = document.querySelector('[data-testid="stat-chunks"]')?.getAttribute('data-value');
      return document.querySelector('[data-testid="chat"]').getAttribute('data-state') === 'streaming' && Number(c) >= 4;
    }, null, 'a few chunks while streaming');
    const a = await live(page);
    await delay(800); // ~10 more chunks (80 ms apart)
    const b = await live(page);

    assert.equal(a.state, 'streaming');
    assert.equal(b.state, 'streaming', 'still streaming at the second read');
    assert.ok(a.firstChunk != null && a.firstChunk > 0, `first chunk shown during the stream: ${a.firstChunk}`);
    assert.ok(a.firstToken != null && a.firstToken >= a.firstChunk, `first token shown during the stream: ${a.firstToken}`);
    assert.equal(b.firstToken, a.firstToken, 'first token does not change once known');
    assert.ok(b.chunks >= a.chunks + 5, `chunk count grows live: ${a.chunks} → ${b.chunks}`);
    assert.notEqual(a.chunksText, b.chunksText, 'the shown chunk count changes');
    assert.ok(a.points > 0, `sparkline has points mid-stream: ${a.points}`);
    assert.ok(b.points > a.points, `sparkline grows during the stream: ${a.points} → ${b.points}`);
    assert.equal(b.polyline, b.points, 'data-points is the number of polyline points');

    await page.locator(sel('stop')).click();
    assert.equal(await waitForState(page, ['stopped', 'done', 'error']), 'stopped');
    const c = await live(page);
    assert.ok(c.points >= b.points, `points kept after stopping: ${c.points}`);
  }));
