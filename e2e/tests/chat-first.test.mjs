// The chat-first page: the conversation fills the height with the composer pinned at the bottom,
// the live figures in view next to the streaming answer at 1280×800 and 390×844, settings in a
// drawer, history a sidebar (a drawer on a phone), compare in its own view; every answer keeps
// its figures line (also after a reload); Continue after a cut-off; failed turns are not sent
// again; settings are checked before sending; focus comes back where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, withPageOpts, openApp, sendPrompt, sendAndWait, waitForState, waitForTurnEnd, waitInPage,
  reloadApp, bodyMessages, openSettings, optionalText, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { CUT_DELTAS, CONTINUE_DELTAS, HTTP_500_MESSAGE, echoText } from '../mock-server.mjs';

const env = useEnv();
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

// In-page: the box of each test id (null when absent or not rendered).
function boxes(ids) {
  return Object.fromEntries(ids.map((id) => {
    const el = [...document.querySelectorAll(`[data-testid="${id}"]`)].at(-1);
    if (!el) return [id, null];
    const r = el.getBoundingClientRect();
    const shown = r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    return [id, shown ? { x: r.x, y: r.y, w: r.width, h: r.height, bottom: r.bottom, right: r.right } : null];
  }));
}

const inView = (b, vp) => b && b.x >= 0 && b.y >= 0 && b.right <= vp.width + 0.5 && b.bottom <= vp.height + 0.5;
const LIVE = ['stat-first-token-ms', 'stat-elapsed-ms', 'stat-tokens-per-second', 'stat-chunks', 'sparkline'];

for (const [name, vp] of [['1280×800', DESKTOP], ['390×844', PHONE]]) {
  test(`${name}: chat first, composer pinned, live figures in view next to the streaming answer`, { timeout: TEST_TIMEOUT }, (t) =>
    withPageOpts(env, t, { viewport: vp }, async (page) => {
      await openApp(page, env, { model: 'mock-long' });
      // The first screen is the chat: no settings form.
      assert.equal(await page.locator(sel('endpoint')).isVisible(), false, 'settings are not on the first screen');
      const idle = await page.evaluate(boxes, ['prompt', 'send', 'messages']);
      assert.ok(inView(idle.prompt, vp) && inView(idle.send, vp), `composer on screen: ${JSON.stringify(idle)}`);
      assert.ok(idle.prompt.bottom > vp.height - 160, `composer pinned at the bottom: ${JSON.stringify(idle.prompt)}`);
      assert.ok(idle.messages.h > vp.height * 0.35, `the conversation fills the height: ${JSON.stringify(idle.messages)}`);

      await sendPrompt(page, 'Tell me a long story');
      const waiting = await page.evaluate(boxes, ['prompt', 'stop', 'send']);
      assert.equal(waiting.send, null, 'Stop takes Send\'s place while the turn runs');
      assert.ok(inView(waiting.stop, vp), 'Stop on screen');
      assert.equal(Math.round(waiting.prompt.y), Math.round(idle.prompt.y), 'the waiting note does not move the composer');
      await waitForState(page, 'streaming');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="chunk-row"], [data-testid="message-assistant"]').length > 0
        && (document.querySelector('[data-testid="message-assistant"]')?.textContent.length ?? 0) > 300, null, { timeout: 15_000 });
      await page.waitForTimeout(600);
      const live = await page.evaluate(boxes, [...LIVE, 'prompt', 'stop']);
      for (const id of LIVE) assert.ok(inView(live[id], vp), `${id} in view while streaming: ${JSON.stringify(live[id])}`);
      assert.equal(Math.round(live.prompt.y), Math.round(idle.prompt.y), 'streaming does not move the composer');
      // The figures are live: elapsed ticks and the first token is known.
      const first = await page.locator(sel('stat-first-token-ms')).getAttribute('data-value');
      assert.ok(Number(first) > 0, `first token known: ${first}`);
      const e1 = Number(await page.locator(sel('stat-elapsed-ms')).getAttribute('data-value'));
      await page.waitForTimeout(600);
      const e2 = Number(await page.locator(sel('stat-elapsed-ms')).getAttribute('data-value'));
      assert.ok(e2 > e1, `elapsed ticks while streaming (${e1} → ${e2})`);
      // The streaming answer's latest text is in view next to them (the view follows the bottom).
      const answer = await page.evaluate(() => {
        const a = [...document.querySelectorAll('[data-testid="message-assistant"]')].at(-1);
        const r = a.getBoundingClientRect();
        return { bottom: r.bottom, top: r.top };
      });
      assert.ok(answer.bottom > 0 && answer.top < vp.height, `the answer is on screen: ${JSON.stringify(answer)}`);
      await page.keyboard.press('Escape');
      assert.equal(await waitForState(page, ['stopped', 'done', 'error']), 'stopped');
      assert.equal(await page.locator(sel('stopped')).count(), 1, 'the stop note is shown once');
      assert.equal(await page.locator(sel('messages')).getByText('partial answer is kept', { exact: false }).count(), 1, 'and only once');
      assert.equal(await page.locator('.cs-status').getByText('Stopped', { exact: false }).count(), 0, 'not again under the conversation');

      // Explanations on hover and on focus.
      const tip = page.locator(`[data-figure="stat-first-token-ms"] .cs-tip`);
      await tip.focus();
      const tipText = page.locator(`[data-figure="stat-first-token-ms"] [role="tooltip"]`);
      assert.ok(await tipText.isVisible(), 'the tooltip shows on focus');
      assert.match(await tipText.textContent(), /first text/);
      await page.locator(`[data-figure="stat-first-chunk-ms"] .cs-tip`).hover().catch(() => {});
    }));
}

test('1280×800: settings drawer, history sidebar, compare view; each opener is a no-op when open', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, { viewport: DESKTOP }, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.ok(await page.locator(sel('history')).isVisible(), 'history is a sidebar on desktop');
    await page.locator(sel('history-open')).click({ force: true }).catch(() => {});
    assert.ok(await page.locator(sel('history')).isVisible(), 'history-open keeps it visible');
    await page.locator(sel('settings-open')).click();
    for (const id of ['endpoint', 'model', 'temperature', 'max-tokens', 'api-key']) {
      assert.ok(await page.locator(sel(id)).isVisible(), `${id} is in the settings drawer`);
    }
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="settings-drawer"]') != null), true, 'focus moved into the drawer');
    await page.locator(sel('settings-open')).click();
    assert.ok(await page.locator(sel('endpoint')).isVisible(), 'settings-open again: still open');
    // The chat stays usable beside the drawer.
    assert.equal(await sendAndWait(page, 'beside the drawer'), 'done');
    await page.locator(sel('endpoint')).press('Escape');
    assert.equal(await page.locator(sel('endpoint')).isVisible(), false, 'Esc closes the drawer');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'settings-open', null, { timeout: 2_000 })
      .catch(() => assert.fail('focus back on the Settings button'));
    await page.locator(sel('compare-open')).click();
    assert.ok(await page.locator(sel('compare')).isVisible(), 'compare view');
    assert.equal(await page.locator(sel('prompt')).isVisible(), false, 'in place of the chat');
    await page.locator(sel('compare-open')).click();
    assert.ok(await page.locator(sel('compare')).isVisible(), 'compare-open again: still there');
    await page.locator(sel('chat-open')).click();
    assert.ok(await page.locator(sel('prompt')).isVisible(), 'back to the chat, conversation kept');
    assert.equal(await page.locator(sel('message-user')).count(), 1);
  }));

test('390×844: history and settings are drawers opened from the header', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, { viewport: PHONE }, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'A question with a rather long title that needs an ellipsis in the list'), 'done');
    assert.equal(await page.locator(sel('history')).isVisible(), false, 'no history on the phone\'s first screen');
    await page.locator(sel('history-open')).click();
    await page.locator(sel('history')).waitFor({ state: 'visible' });
    const open = page.locator(sel('conversation-open')).first();
    assert.equal(await open.getAttribute('title'), 'A question with a rather long title that needs an ellipsis in the list', 'the full title as a tooltip');
    const overflow = await open.evaluate((el) => ({ style: getComputedStyle(el).textOverflow, cut: el.scrollWidth > el.clientWidth }));
    assert.equal(overflow.style, 'ellipsis');
    await page.locator(sel('history-open')).click();
    assert.ok(await page.locator(sel('history')).isVisible(), 'history-open again: still open');
    await page.locator(sel('history-close')).click();
    assert.equal(await page.locator(sel('history')).isVisible(), false);
    await page.locator(sel('settings-open')).click();
    assert.ok(await page.locator(sel('model')).isVisible());
    const box = await page.locator(sel('settings-drawer')).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width + 0.5, `the drawer fits the phone: ${JSON.stringify(box)}`);
  }));

test('every answer keeps its figures line and finish reason, also after a reload', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'first'), 'done');
    assert.equal(await sendAndWait(page, 'second'), 'done');
    const read = () => page.evaluate(() => [...document.querySelectorAll('[data-testid="assistant-turn"]')].map((turn) => {
      const s = turn.querySelector('[data-testid="message-stats"]');
      return {
        finish: turn.getAttribute('data-finish-reason'),
        firstToken: Number(s?.getAttribute('data-first-token-ms')),
        total: Number(s?.getAttribute('data-total-ms')),
        chunks: Number(s?.getAttribute('data-chunks')),
        tps: s?.getAttribute('data-tokens-per-second'),
        line: s?.querySelector('.cs-msg__stats-line')?.textContent,
      };
    }));
    const before = await read();
    assert.equal(before.length, 2);
    for (const m of before) {
      assert.equal(m.finish, 'stop');
      assert.ok(m.firstToken > 0 && m.total > m.firstToken && m.chunks > 3, JSON.stringify(m));
      assert.ok(Number(m.tps) > 0, `tokens/s known: ${JSON.stringify(m)}`);
      assert.match(m.line, /^first token \d+\.\d+ s · total \d+\.\d+ s · \d+(\.\d)? (tok|chunks)\/s \((server timings|usage|counted)\) · \d+ chunks$/);
    }
    // The turn panel agrees with the latest answer's line.
    assert.equal(Number(await page.locator(sel('stat-total-ms')).getAttribute('data-value')), before[1].total);
    // Its own chunk log, on demand.
    const logs = page.locator(sel('message-chunk-log'));
    await logs.first().locator('summary').click();
    await page.waitForFunction((n) => document.querySelector('[data-testid="message-chunk-log"] ol')?.children.length === n,
      Math.min(before[0].chunks, 120), { timeout: 2_000 });
    await reloadApp(page);
    await page.locator(sel('assistant-turn')).nth(1).waitFor();
    assert.deepEqual(await read(), before, 'the same figures after a reload');
  }));

test('cut off at max tokens: the notice, finish reason length, and Continue appends with the cut text sent last', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Count [cut]'), 'done');
    const turn = page.locator(sel('assistant-turn')).last();
    assert.equal(await turn.getAttribute('data-finish-reason'), 'length');
    assert.match(await turn.locator(sel('cut-off')).textContent(), /cut off at max tokens/i);
    await turn.locator(sel('continue')).click();
    assert.equal(await waitForTurnEnd(page), 'done');
    const posts = env.completions();
    assert.equal(posts.length, 2);
    assert.deepEqual(bodyMessages(posts[1]), [
      { role: 'user', content: 'Count [cut]' },
      { role: 'assistant', content: CUT_DELTAS.join('') },
    ], 'the cut-off text is sent as the last assistant message');
    assert.equal(await page.locator(sel('assistant-turn')).count(), 1, 'the answer goes on in the same message');
    assert.equal(await page.locator(sel('message-assistant')).textContent(), CUT_DELTAS.join('') + CONTINUE_DELTAS.join(''));
    assert.equal(await turn.getAttribute('data-finish-reason'), 'stop');
    assert.equal(await page.locator(sel('cut-off')).count(), 0, 'no cut-off notice after it finished');
  }));

test('a failed turn with no answer text is not sent again; it stays on screen', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Hello there [http-500]'), 'error');
    const err = await optionalText(page, 'error');
    assert.ok(err.includes(HTTP_500_MESSAGE), err);
    assert.equal(await page.locator(`${sel('assistant-turn')} ${sel('error')}`).count(), 1, 'the error is in the answer\'s bubble');
    assert.ok(!/HTTP 500: .*500.*500/.test(err), `said once: ${err}`);
    assert.equal(await sendAndWait(page, 'Say hi'), 'done');
    assert.deepEqual(bodyMessages(env.completions()[1]), [{ role: 'user', content: 'Say hi' }], 'no two user messages in a row');
    assert.equal(await page.locator(sel('message-user')).count(), 2, 'the failed prompt is still shown');
  }));

test('settings are checked before sending: a clear message, nothing sent, the prompt kept', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    await openSettings(page);
    const set = async (id, v) => { await page.locator(sel(id)).fill(v); await page.locator(sel(id)).press('Tab'); };
    await set('temperature', '-3');
    assert.match(await page.locator(sel('temperature-error')).textContent(), /from 0 to 2.*-3/);
    await page.locator(sel('prompt')).fill('Keep me');
    await page.locator(sel('prompt')).press('Enter');
    await page.locator(sel('settings-invalid')).waitFor({ state: 'visible' });
    assert.match(await page.locator(sel('settings-invalid')).textContent(), /Temperature must be a number from 0 to 2/);
    assert.equal(await page.locator(sel('prompt')).inputValue(), 'Keep me', 'the prompt is kept');
    await page.waitForTimeout(300);
    assert.equal(env.completions().length, 0, 'nothing sent');
    await set('temperature', '0.5');
    await page.locator(sel('settings-invalid')).waitFor({ state: 'detached' });
    for (const bad of ['0', 'abc', '99999999999']) {
      await set('max-tokens', bad);
      assert.match(await page.locator(sel('max-tokens-error')).textContent(), /whole number from 1 to/, bad);
    }
    await page.locator(sel('send')).click();
    await page.waitForTimeout(300);
    assert.equal(env.completions().length, 0, 'still nothing sent');
    await set('max-tokens', '40');
    assert.equal(await sendAndWait(page, 'Now send'), 'done');
    const body = env.completions()[0].body;
    assert.equal(body.temperature, 0.5);
    assert.equal(body.max_tokens, 40);
  }));

test('an empty prompt: Send is disabled, Enter says why; compare shows its prompt and refuses an empty one', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo', params: { prompt: '' } });
    await page.locator(sel('prompt')).fill('');
    assert.equal(await page.locator(sel('send')).getAttribute('aria-disabled'), 'true', 'Send is disabled on an empty prompt');
    await page.locator(sel('prompt')).press('Enter');
    await page.locator(sel('prompt-empty')).waitFor({ state: 'visible' });
    await page.locator(sel('prompt')).fill('x');
    await page.locator(sel('prompt-empty')).waitFor({ state: 'detached' });
    assert.equal(await page.locator(sel('send')).getAttribute('aria-disabled'), null);
    // Pressing the disabled-looking Send on an empty prompt says why, too.
    await page.locator(sel('prompt')).fill('');
    await page.locator(sel('send')).click({ force: true });
    await page.locator(sel('prompt-empty')).waitFor({ state: 'visible' });
    await page.locator(sel('prompt')).fill('x');
    await page.locator(sel('prompt')).fill('');
    await page.locator(sel('compare-open')).click();
    assert.equal(await page.locator(sel('compare-prompt')).inputValue(), '', 'compare shows the prompt it would run');
    await page.locator(sel('compare-run')).click();
    await page.locator(sel('compare-prompt-empty')).waitFor({ state: 'visible' });
    await page.waitForTimeout(300);
    assert.equal(env.completions().length, 0, 'no hidden default prompt was run');
    await page.locator(sel('compare-prompt')).fill('Compare me');
    await page.locator(sel('compare-run')).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="compare"]')?.getAttribute('data-state') === 'done', null, { timeout: 15_000 });
    assert.deepEqual(env.completions().map((c) => bodyMessages(c).at(-1).content), ['Compare me', 'Compare me']);
    await page.locator(sel('chat-open')).click();
    assert.equal(await page.locator(sel('prompt')).inputValue(), 'Compare me', 'one prompt for both views');
  }));

test('not streaming: the wait says it waits for the whole answer', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-happy', stream: false });
    await sendPrompt(page, 'Hi');
    await page.locator(sel('waiting')).waitFor({ state: 'visible' });
    assert.match(await page.locator(sel('waiting')).textContent(), /^Waiting for the whole answer \(not streaming\)…/);
    assert.equal(await waitForTurnEnd(page), 'done');
  }));

test('focus: rename goes into the field, Esc cancels and comes back; Edit closed with Esc comes back', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Original'), 'done');
    await page.locator(sel('conversation-rename')).click();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'conversation-title-input', null, { timeout: 2_000 });
    await page.keyboard.type('Changed');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'conversation-rename', null, { timeout: 2_000 });
    assert.equal((await page.locator(sel('conversation-open')).textContent()).trim(), 'Original', 'Esc cancelled the rename');
    await page.locator(sel('edit')).click();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'edit-input', null, { timeout: 2_000 });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'edit', null, { timeout: 2_000 });
    assert.equal(await page.locator(sel('edit-input')).count(), 0);
  }));

test('Clear starts a new chat and offers Undo, which reopens the conversation', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Keep this'), 'done');
    await page.locator(sel('clear')).click();
    await page.locator(sel('empty')).waitFor({ state: 'visible' });
    await page.locator(sel('undo')).click();
    await waitInPage(page, () => document.querySelector('[data-testid="message-user"]')?.textContent === 'Keep this', null, 'the conversation back');
    assert.equal(await page.locator(sel('message-assistant')).textContent(), echoText(1, 'Keep this'));
  }));

test('390×844: the compare timeline fits the screen, with legible labels and a legend', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, { viewport: PHONE }, async (page) => {
    await openApp(page, env, { model: 'mock-happy' });
    await page.locator(sel('compare-open')).click();
    await page.locator(sel('compare-prompt')).fill('Say hello');
    await page.locator(sel('compare-run')).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="compare"]')?.getAttribute('data-state') === 'done', null, { timeout: 15_000 });
    const m = await page.evaluate(() => {
      const fig = document.querySelector('[data-testid="compare-timeline"]');
      const sizes = [...fig.querySelectorAll('.cs-timeline__label, .cs-timeline__tick, .cs-timeline__legend > span')]
        .map((el) => parseFloat(getComputedStyle(el).fontSize));
      const r = fig.getBoundingClientRect();
      return {
        minFont: Math.min(...sizes),
        labels: [...fig.querySelectorAll('.cs-timeline__label')].map((e) => e.textContent),
        legend: fig.querySelector('.cs-timeline__legend')?.textContent ?? '',
        ticks: fig.querySelectorAll('.cs-timeline__tick').length,
        marks: fig.querySelectorAll('[data-testid="timeline-mark"]').length,
        right: r.right,
        scrolls: fig.scrollWidth > fig.clientWidth + 1,
        pageScrolls: document.scrollingElement.scrollWidth > innerWidth,
      };
    });
    assert.ok(m.minFont >= 11, `labels stay legible: ${m.minFont}px`);
    assert.deepEqual(m.labels, ['not streaming', 'streaming']);
    assert.match(m.legend, /a chunk of the streaming run.*the whole answer, not streaming.*the answer was complete/);
    assert.ok(m.ticks >= 2 && m.marks >= 2, JSON.stringify(m));
    assert.ok(m.right <= PHONE.width && !m.scrolls && !m.pageScrolls, `nothing scrolls sideways unseen: ${JSON.stringify(m)}`);
  }));
