// How the answer is written to the page: while tokens only extend the last paragraph, they are
// appended to the text node already there (characterData changes, no new nodes per token), and a
// long answer stays whole in `innerText` (nothing is skipped off screen), which assistive tools,
// translation extensions and page automation read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, waitInPage, delay, sel, TEST_TIMEOUT,
} from '../helpers.mjs';

const env = useEnv();

test('render: a growing paragraph is appended to its text node, not rebuilt per token', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    // [slow]: "tick N " every 200 ms, one paragraph that only grows.
    await sendPrompt(page, '[slow] keep going');
    await waitInPage(page, () => {
      const a = document.querySelectorAll('[data-testid="message-assistant"]');
      return a.length && a[a.length - 1].textContent.includes('tick 2');
    }, null, 'the first ticks');
    const r = await page.evaluate(() => new Promise((resolve) => {
      const answers = document.querySelectorAll('[data-testid="message-assistant"]');
      const el = answers[answers.length - 1];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let node;
      for (let n = walker.nextNode(); n; n = walker.nextNode()) node = n;
      const before = node.data;
      const counts = { characterData: 0, added: 0, removed: 0 };
      const mo = new MutationObserver((records) => {
        for (const rec of records) {
          if (rec.type === 'characterData') counts.characterData += 1;
          counts.added += rec.addedNodes.length;
          counts.removed += rec.removedNodes.length;
        }
      });
      mo.observe(el, { subtree: true, childList: true, characterData: true });
      setTimeout(() => {
        mo.disconnect();
        resolve({ counts, before, after: node.data, connected: node.isConnected, text: el.textContent });
      }, 1500);
    }));
    await page.locator(sel('stop')).click();
    await waitForState(page, ['stopped']);
    assert.ok(r.connected, 'the text node of the first ticks is still the one on the page');
    assert.ok(r.after.startsWith(r.before) && r.after.length > r.before.length,
      `it grew in place: ${JSON.stringify(r.before)} → ${JSON.stringify(r.after)}`);
    assert.ok(r.counts.characterData >= 4, `tokens appended as characterData changes: ${JSON.stringify(r.counts)}`);
    assert.equal(r.counts.added, 0, `no node added while the paragraph only grows: ${JSON.stringify(r.counts)}`);
    assert.equal(r.counts.removed, 0, `no node removed: ${JSON.stringify(r.counts)}`);
  }));

test('render: innerText of a long answer scrolled off screen holds all of it', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-long' });
    await sendPrompt(page, 'Write a lot');
    await waitForState(page, ['done'], 60_000);
    const r = await page.evaluate(() => {
      const log = document.querySelector('[data-testid="messages"]');
      log.scrollTop = log.scrollHeight;
      const answers = document.querySelectorAll('[data-testid="message-assistant"]');
      const el = answers[answers.length - 1];
      const squash = (s) => s.replace(/\s+/g, '');
      return {
        inner: squash(el.innerText).length,
        content: squash(el.textContent).length,
        segments: el.querySelectorAll('.cs-md__seg').length,
        overflow: log.scrollHeight > log.clientHeight * 2,
      };
    });
    assert.ok(r.overflow, 'the answer is taller than two screens');
    assert.ok(r.segments > 1, `the answer has several segments (${r.segments})`);
    assert.equal(r.inner, r.content, `innerText has every character of the answer (${r.inner} of ${r.content})`);
    await delay(10);
  }));
