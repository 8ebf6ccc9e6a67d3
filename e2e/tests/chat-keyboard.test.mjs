// Keyboard and accessibility: Enter sends, Shift+Enter adds a line, Escape anywhere in the
// chat stops; Tab reaches prompt → send (idle) and prompt → stop (streaming) with a visible focus
// ring; every form control has a label; a hidden status region announces state changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, waitForState, waitForAssistantIncludes, waitInPage, bodyMessages, until, sel, TEST_TIMEOUT,
} from '../helpers.mjs';

const env = useEnv();

const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return {
      id: el.getAttribute('data-testid'),
      focusVisible: el.matches(':focus-visible'),
      ring: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || (cs.boxShadow && cs.boxShadow !== 'none'),
      outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
    };
  });

test('Enter sends, Shift+Enter adds a line, Escape stops from the prompt and from the log', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    const prompt = page.locator(sel('prompt'));
    await prompt.fill('');
    await prompt.click();
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('[slow] second line');
    assert.equal(await prompt.inputValue(), 'first line\n[slow] second line');
    assert.equal(env.completions().length, 0, 'Shift+Enter sent nothing');
    await page.keyboard.press('Enter');
    await waitForAssistantIncludes(page, 'tick 1');
    assert.equal(await prompt.inputValue(), '', 'the prompt is cleared after sending');
    assert.deepEqual(bodyMessages(env.completions()[0]), [{ role: 'user', content: 'first line\n[slow] second line' }]);
    await page.keyboard.press('Escape'); // focus is still in the prompt
    assert.equal(await waitForState(page, ['stopped', 'done', 'error']), 'stopped', 'Escape in the prompt stops');

    await prompt.click();
    await page.keyboard.type('[slow] again');
    await page.keyboard.press('Enter');
    await waitInPage(page, () => {
      const a = document.querySelectorAll('[data-testid="message-assistant"]');
      return a.length === 2 && a[1].textContent.includes('tick 1');
    }, null, 'the second answer streaming');
    await page.locator(sel('messages')).focus();
    await page.keyboard.press('Escape');
    assert.equal(await waitForState(page, ['stopped', 'done', 'error']), 'stopped', 'Escape with focus on the log stops');
    await until(() => env.completions().length === 2 && env.completions().every((e) => e.aborted), { timeout: 2_000, message: 'both requests aborted' });
  }));

test('Tab order: prompt → send when idle, prompt → stop while streaming; focus is visible', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    const prompt = page.locator(sel('prompt'));
    await prompt.fill('[slow] tab test');
    await prompt.focus();
    await page.keyboard.press('Tab');
    let f = await focused(page);
    assert.equal(f.id, 'send', 'Tab from the prompt reaches Send');
    assert.ok(f.focusVisible, 'Send matches :focus-visible after Tab');
    assert.ok(f.ring, `Send shows a focus ring (outline: ${f.outline})`);
    await page.keyboard.press('Enter'); // activates Send
    await waitForAssistantIncludes(page, 'tick 1');
    await prompt.focus();
    await page.keyboard.press('Tab');
    f = await focused(page);
    assert.equal(f.id, 'stop', 'while streaming, Tab from the prompt reaches Stop (in Send\'s place)');
    assert.ok(f.focusVisible && f.ring, `Stop shows a focus ring (outline: ${f.outline})`);
    await page.keyboard.press('Enter');
    assert.equal(await waitForState(page, ['stopped', 'done', 'error']), 'stopped', 'Enter on Stop stops');
    // Stop took Send's place and gives it back; focus stays in the chat (on the prompt).
    const after = await page.evaluate(() => ({
      send: !document.querySelector('[data-testid="send"]').hidden,
      stop: !document.querySelector('[data-testid="stop"]').hidden,
      focused: document.activeElement?.getAttribute('data-testid'),
    }));
    assert.deepEqual(after, { send: true, stop: false, focused: 'prompt' }, 'Send is back in Stop\'s place, focus on the prompt');
  }));

test('every control has a label; the status region announces; the log is busy while streaming', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    const unlabelled = await page.evaluate(() => {
      const chat = document.querySelector('[data-testid="chat"]');
      const name = (el) => {
        const aria = el.getAttribute('aria-label');
        if (aria && aria.trim()) return aria.trim();
        const by = el.getAttribute('aria-labelledby');
        if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
        if (el.labels && el.labels.length) return [...el.labels].map((l) => l.textContent).join(' ').trim();
        if (el.tagName === 'BUTTON') return el.textContent.trim();
        return '';
      };
      return [...chat.querySelectorAll('input, textarea, select, button')]
        .filter((el) => el.type !== 'hidden')
        .filter((el) => !name(el))
        .map((el) => el.outerHTML.slice(0, 100));
    });
    assert.deepEqual(unlabelled, [], 'controls without an accessible name');

    const hiddenStatus = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('[role="status"]')]
          .filter((el) => {
            const r = el.getBoundingClientRect();
            const cs = getComputedStyle(el);
            return (r.width <= 1 && r.height <= 1) || cs.clip === 'rect(0px, 0px, 0px, 0px)' || cs.clipPath === 'inset(50%)';
          })
          .map((el) => el.textContent.trim())
          .filter(Boolean));
    assert.deepEqual(await hiddenStatus(), [], 'nothing announced before the first turn');
    await page.locator(sel('prompt')).fill('[slow] announce');
    await page.locator(sel('send')).click();
    await waitForAssistantIncludes(page, 'tick 1');
    const streaming = await hiddenStatus();
    assert.equal(await page.locator(sel('messages')).getAttribute('aria-busy'), 'true');
    await page.locator(sel('stop')).click();
    await waitForState(page, ['stopped']);
    const stopped = await hiddenStatus();
    assert.equal(await page.locator(sel('messages')).getAttribute('aria-busy'), 'false');
    assert.equal(streaming.length, 1, `one hidden status text while streaming: ${JSON.stringify(streaming)}`);
    assert.equal(stopped.length, 1, `one hidden status text once stopped: ${JSON.stringify(stopped)}`);
    assert.notEqual(streaming[0], stopped[0], 'the announcement changes with the state');
    assert.match(stopped[0], /stop/i, `the stop is announced: ${stopped[0]}`);
  }));

test('Escape stops after Send was clicked with the mouse (focus was on the now-disabled Send)', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    await page.locator(sel('prompt')).fill('[slow] mouse user');
    await page.locator(sel('send')).click();
    await waitForAssistantIncludes(page, 'tick 1');
    const where = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
    await page.keyboard.press('Escape');
    assert.equal(await waitForState(page, ['stopped', 'done', 'error'], 3_000).catch(() => 'still streaming'), 'stopped',
      `Escape did not stop the turn; focus was on ${where}`);
  }));
