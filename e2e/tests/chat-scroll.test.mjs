// Scroll-follow: the conversation log follows a streaming answer while the reader is at
// the bottom; scrolling up stops following at once and the reader stays where they are while text
// keeps arriving; "jump to latest" (or scrolling back down) resumes; a new send jumps down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, waitInPage, delay, sel, TEST_TIMEOUT,
} from '../helpers.mjs';

const env = useEnv();

const metrics = (page) =>
  page.evaluate(() => {
    const el = document.querySelector('[data-testid="messages"]');
    const answers = el.querySelectorAll('[data-testid="message-assistant"]');
    const last = answers[answers.length - 1];
    const p = last ? last.querySelectorAll('p') : [];
    return {
      top: el.scrollTop,
      height: el.scrollHeight,
      client: el.clientHeight,
      dist: el.scrollHeight - el.clientHeight - el.scrollTop,
      following: el.getAttribute('data-following'),
      busy: el.getAttribute('aria-busy'),
      len: last ? last.textContent.length : 0,
      para: p.length ? p[p.length - 1].getBoundingClientRect().height : 0,
      state: document.querySelector('[data-testid="chat"]').getAttribute('data-state'),
      jump: !!document.querySelector('[data-testid="jump-latest"]'),
    };
  });

const atBottomFollowing = (page, what) =>
  waitInPage(page, () => {
    const el = document.querySelector('[data-testid="messages"]');
    return el.getAttribute('data-following') === 'true' && el.scrollHeight - el.clientHeight - el.scrollTop <= 4;
  }, null, what, 5_000);

test('scroll-follow: follows at the bottom, stays put after scrolling up, jump-latest resumes, a new send jumps', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-long' });
    const log = page.locator(sel('messages'));
    assert.equal(await log.getAttribute('role'), 'log');
    assert.equal(await log.getAttribute('aria-live'), 'polite');
    assert.match(await log.evaluate((el) => getComputedStyle(el).overflowY), /auto|scroll/, 'the log is its own scroll container');

    await sendPrompt(page, 'Write a lot');
    await waitInPage(page, () => {
      const el = document.querySelector('[data-testid="messages"]');
      return el.scrollHeight > el.clientHeight + 600;
    }, null, 'the answer to overflow the log by 600 px');
    let m = await metrics(page);
    assert.equal(m.state, 'streaming');
    assert.equal(m.busy, 'true', 'aria-busy=true while streaming');
    await atBottomFollowing(page, 'following at the bottom while streaming');
    // Sampled for ~1 s: always following, never more than about one new paragraph from the bottom.
    for (let i = 0; i < 8; i++) {
      await delay(120);
      m = await metrics(page);
      assert.equal(m.following, 'true', `sample ${i}: following`);
      assert.ok(m.dist <= 2 * Math.max(m.para, 40) + 4, `sample ${i}: ${m.dist} px from the bottom (paragraph ${m.para} px)`);
      assert.equal(m.jump, false, `sample ${i}: no jump-latest while following`);
    }

    // The reader scrolls up with the wheel: following stops at once. Every scroll event from here
    // is recorded, for the failure messages.
    await log.evaluate((el) => {
      const t0 = performance.now();
      window.__scrollEvents = [];
      el.addEventListener('scroll', () => window.__scrollEvents.push(
        `${Math.round(performance.now() - t0)}ms top=${Math.round(el.scrollTop)} max=${el.scrollHeight - el.clientHeight} following=${el.getAttribute('data-following')}`));
    });
    const scrollEvents = async () => (await page.evaluate(() => window.__scrollEvents || [])).slice(0, 12).join('; ');
    await log.hover();
    await page.mouse.wheel(0, -500);
    await waitInPage(page, () => document.querySelector('[data-testid="messages"]').getAttribute('data-following') === 'false',
      null, 'data-following=false after scrolling up', 1_000);
    await delay(250); // let a smooth wheel scroll settle
    const held = await metrics(page);
    assert.ok(held.dist > 300 && held.following === 'false',
      `after a 500 px wheel up the reader should stay scrolled up and not following; got ${held.dist} px from the bottom, following=${held.following}. Scroll events: ${await scrollEvents()}`);
    await delay(1_200); // ~15 more paragraphs arrive
    m = await metrics(page);
    assert.equal(m.state, 'streaming', 'still streaming');
    assert.ok(m.len > held.len + 500, `text kept arriving (${held.len} → ${m.len} chars)`);
    assert.ok(Math.abs(m.top - held.top) <= 1, `scrollTop stays where the reader put it: ${held.top} → ${m.top}. Scroll events: ${await scrollEvents()}`);
    assert.equal(m.following, 'false');
    assert.equal(m.jump, true, 'jump-latest is offered');

    // Jump to latest: bottom, following again, the button goes.
    await page.locator(sel('jump-latest')).click();
    await atBottomFollowing(page, 'at the bottom after jump-latest');
    await delay(400);
    m = await metrics(page);
    assert.equal(m.following, 'true');
    assert.ok(m.dist <= 2 * Math.max(m.para, 40) + 4, `keeps following after the jump: ${m.dist} px`);
    assert.equal(m.jump, false, 'jump-latest hidden again');

    // Scrolling back to the bottom by hand resumes following too.
    await log.hover();
    await page.mouse.wheel(0, -400);
    await waitInPage(page, () => document.querySelector('[data-testid="messages"]').getAttribute('data-following') === 'false', null, 'not following', 1_000);
    await log.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await atBottomFollowing(page, 'following after scrolling to the bottom');

    // Stop; scroll up after the stream: jump-latest offered; a new send jumps to the bottom.
    await page.locator(sel('stop')).click();
    assert.equal(await waitForState(page, ['stopped', 'done', 'error']), 'stopped');
    assert.equal(await log.getAttribute('aria-busy'), 'false', 'aria-busy=false after the turn');
    await log.hover(); // the wheel scrolls what is under the pointer
    await page.mouse.wheel(0, -600);
    await waitInPage(page, () => !!document.querySelector('[data-testid="jump-latest"]'), null, 'jump-latest after scrolling up after the stream', 2_000);
    await sendPrompt(page, 'More please');
    await waitInPage(page, () => document.querySelectorAll('[data-testid="message-user"]').length === 2, null, 'the second message');
    await atBottomFollowing(page, 'a new send jumps to the bottom and follows');
    await page.locator(sel('stop')).click();
    await waitForState(page, ['stopped', 'done', 'error']);
  }));

test('scroll-follow: a scroll up that lands between a new token and the next frame is not undone', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-long' });
    await sendPrompt(page, 'Write a lot');
    await waitInPage(page, () => {
      const el = document.querySelector('[data-testid="messages"]');
      return el.scrollHeight > el.clientHeight + 600;
    }, null, 'the answer to overflow the log by 600 px');
    await atBottomFollowing(page, 'following at the bottom while streaming');
    // The reader scrolls up right after a token was rendered, before the next frame: the moment a
    // wheel event can land while the app's "stay at the bottom" frame callback is still pending.
    const r = await page.evaluate(() => new Promise((resolve) => {
      const el = document.querySelector('[data-testid="messages"]');
      const events = [];
      el.addEventListener('scroll', () => events.push(`top=${Math.round(el.scrollTop)} following=${el.getAttribute('data-following')}`));
      const mo = new MutationObserver(() => {
        mo.disconnect();
        el.scrollTop -= 400;
        const readerTop = el.scrollTop;
        let n = 0;
        const later = () => (++n < 4 ? requestAnimationFrame(later) : resolve({
          readerTop, top: el.scrollTop, following: el.getAttribute('data-following'), events,
        }));
        requestAnimationFrame(later);
      });
      mo.observe(el, { subtree: true, childList: true, characterData: true });
    }));
    assert.ok(Math.abs(r.top - r.readerTop) <= 1 && r.following === 'false',
      `the reader scrolled to ${r.readerTop}; 4 frames later scrollTop is ${r.top} and following=${r.following} (scroll events: ${r.events.join('; ')})`);
    await page.locator(sel('stop')).click();
    await waitForState(page, ['stopped', 'done', 'error']);
  }));
