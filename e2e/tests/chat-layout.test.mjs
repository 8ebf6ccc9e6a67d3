// Small screens: at 360 px wide the page never scrolls sideways (empty, streaming and done
// states, with a table and a long code line in the answer), and the composer stays on screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, withPageOpts, openApp, sendPrompt, waitForTurnEnd, waitInPage, sel, TEST_TIMEOUT,
} from '../helpers.mjs';

const env = useEnv();
const WIDTH = 360;

// In-page: the page's scroll width and the visible elements sticking out on the right.
function measure(width) {
  const se = document.scrollingElement;
  const offenders = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5) {
      // Report the outermost ones only.
      if (!offenders.some((o) => o.el.contains(el))) offenders.push({ el, right: Math.round(r.right) });
    }
  }
  return {
    state: document.querySelector('[data-testid="chat"]')?.getAttribute('data-state'),
    scrollWidth: se.scrollWidth,
    offenders: offenders.slice(0, 5).map((o) => `${o.el.tagName.toLowerCase()}${o.el.className ? '.' + String(o.el.className).split(' ').join('.') : ''}${o.el.dataset.testid ? `[${o.el.dataset.testid}]` : ''} right=${o.right}`),
  };
}

test('360 px viewport: no horizontal scroll when empty, streaming and done', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, { viewport: { width: WIDTH, height: 740 } }, async (page) => {
    await openApp(page, env, { model: 'mock-markdown' });
    const empty = await page.evaluate(measure, WIDTH);
    assert.ok(empty.scrollWidth <= WIDTH, `empty: scrollWidth ${empty.scrollWidth} > ${WIDTH}; sticking out: ${empty.offenders.join(', ')}`);
    const box = await page.locator(sel('send')).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= WIDTH, `Send is on screen: ${JSON.stringify(box)}`);

    await sendPrompt(page, 'Report');
    const streaming = await waitInPage(page, (width) => {
      const st = document.querySelector('[data-testid="chat"]')?.getAttribute('data-state');
      const a = document.querySelector('[data-testid="message-assistant"]');
      if (st !== 'streaming' || !a || a.textContent.length < 150) return st === 'done' ? { late: true } : null;
      const se = document.scrollingElement;
      return { state: st, scrollWidth: se.scrollWidth };
    }, WIDTH, 'the answer streaming');
    assert.ok(!streaming.late, 'caught the streaming state');
    assert.ok(streaming.scrollWidth <= WIDTH, `streaming: scrollWidth ${streaming.scrollWidth} > ${WIDTH}`);

    assert.equal(await waitForTurnEnd(page), 'done');
    const done = await page.evaluate(measure, WIDTH);
    assert.ok(done.scrollWidth <= WIDTH, `done: scrollWidth ${done.scrollWidth} > ${WIDTH}; sticking out: ${done.offenders.join(', ')}`);
    // Wide content scrolls inside its own box instead.
    const inner = await page.evaluate(() => {
      const pre = document.querySelector('[data-testid="code-block"] pre');
      const table = document.querySelector('.cs-table');
      const ov = (el) => el && getComputedStyle(el).overflowX;
      // The <pre> or its code-block may be the scroller.
      const preOv = /auto|scroll/.test(ov(pre) ?? '') ? ov(pre) : ov(pre?.closest('[data-testid="code-block"]'));
      return { pre: preOv, table: ov(table) };
    });
    assert.match(inner.pre ?? '', /auto|scroll/, 'the code block scrolls sideways by itself');
    assert.match(inner.table ?? '', /auto|scroll/, 'the table wrapper scrolls sideways by itself');
  }));
