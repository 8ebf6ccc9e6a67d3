// Screenshots of the chat's states for review: e2e/screenshots/states/<name>.png
// (desktop 1280×800 unless stated). Each test also checks that the state it shows was reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  useEnv, withPageOpts, openApp, sendPrompt, sendAndWait, waitInPage, frames, sel, E2E_DIR, TEST_TIMEOUT,
} from '../helpers.mjs';

const env = useEnv();
const OUT = path.join(E2E_DIR, 'screenshots', 'states');
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const MOBILE = { viewport: { width: 360, height: 740 } };

async function shot(page, name) {
  await fsp.mkdir(OUT, { recursive: true });
  await frames(page);
  const file = path.join(OUT, `${name}.png`);
  // No blinking caret, no transitions mid-shot (the page's CSP forbids injecting a <style>).
  await page.screenshot({ path: file, fullPage: false, caret: 'hide', animations: 'disabled' });
  const { size } = await fsp.stat(file);
  assert.ok(size > 5_000, `${name}.png was written (${size} bytes)`);
}

async function markdownAnswer(page) {
  await openApp(page, env, { model: 'mock-markdown' });
  assert.equal(await sendAndWait(page, 'Give me a short streaming report with a table and some code'), 'done');
}

test('screenshot: empty', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-happy' });
    await page.locator(sel('empty')).waitFor({ state: 'visible' });
    await shot(page, 'empty');
  }));

test('screenshot: streaming', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-long' });
    await sendPrompt(page, 'Write a long answer');
    await waitInPage(page, () => {
      const a = document.querySelector('[data-testid="message-assistant"]');
      return document.querySelector('[data-testid="chat"]').getAttribute('data-state') === 'streaming' && a && a.querySelectorAll('p').length >= 12;
    }, null, '12 paragraphs while streaming');
    await shot(page, 'streaming');
    assert.equal(await page.locator(sel('chat')).getAttribute('data-state'), 'streaming', 'still streaming after the shot');
    await page.locator(sel('stop')).click();
  }));

test('screenshot: done-markdown', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await markdownAnswer(page);
    await shot(page, 'done-markdown');
  }));

test('screenshot: error (mid-stream error with partial text)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-midstream-error' });
    assert.equal(await sendAndWait(page, 'Tell me something'), 'error');
    await shot(page, 'error');
  }));

test('screenshot: dark (done-markdown in the dark theme)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await markdownAnswer(page);
    const toggle = page.locator(sel('theme-toggle'));
    for (let i = 0; i < 3 && (await page.locator(sel('chat')).getAttribute('data-theme')) !== 'dark'; i++) await toggle.click();
    assert.equal(await page.locator(sel('chat')).getAttribute('data-theme'), 'dark');
    await shot(page, 'dark');
  }));

test('screenshot: mobile-360 (done-markdown at 360×740)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, MOBILE, async (page) => {
    await markdownAnswer(page);
    await shot(page, 'mobile-360');
  }));

test('screenshot: thinking (reasoning section open)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-reasoning' });
    assert.equal(await sendAndWait(page, 'Why is the sky blue?'), 'done');
    await page.locator(`${sel('thinking')} summary`).click();
    assert.equal(await page.locator(sel('thinking')).evaluate((d) => d.open), true);
    await shot(page, 'thinking');
  }));

test('screenshot: history (a few conversations)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    const chats = [
      ['How do I stream chat completions?', 'And in the browser?'],
      ['What is time to first token?'],
      ['Compare llama.cpp and vLLM for a small local model with a rather long title'],
    ];
    for (const [i, prompts] of chats.entries()) {
      if (i > 0) await page.locator(sel('new-chat')).click();
      for (const p of prompts) assert.equal(await sendAndWait(page, p), 'done');
    }
    await waitInPage(page, () => document.querySelectorAll('[data-testid="conversation"]').length === 3, null, '3 conversations');
    await shot(page, 'history');
  }));

const PHONE = { viewport: { width: 390, height: 844 } };

test('screenshot: phone-streaming (390×844, the live figures under the answer)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, PHONE, async (page) => {
    await openApp(page, env, { model: 'mock-long' });
    await sendPrompt(page, 'Write a long answer');
    await waitInPage(page, () => {
      const a = document.querySelector('[data-testid="message-assistant"]');
      return document.querySelector('[data-testid="chat"]').getAttribute('data-state') === 'streaming' && a && a.querySelectorAll('p').length >= 4;
    }, null, '4 paragraphs while streaming');
    await shot(page, 'phone-streaming');
    await page.locator(sel('stop')).click();
  }));

test('screenshot: settings (the drawer beside the chat)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Hello'), 'done');
    await page.locator(sel('settings-open')).click();
    await page.locator(sel('endpoint')).waitFor({ state: 'visible' });
    await shot(page, 'settings');
  }));

test('screenshot: compare (both runs on one time axis)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-happy' });
    await page.locator(sel('compare-open')).click();
    await page.locator(sel('compare-prompt')).fill('Say hello');
    await page.locator(sel('compare-run')).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="compare"]')?.getAttribute('data-state') === 'done', null, { timeout: 15_000 });
    await shot(page, 'compare');
  }));

test('screenshot: phone-compare (390×844)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, PHONE, async (page) => {
    await openApp(page, env, { model: 'mock-happy' });
    await page.locator(sel('compare-open')).click();
    await page.locator(sel('compare-prompt')).fill('Say hello');
    await page.locator(sel('compare-run')).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="compare"]')?.getAttribute('data-state') === 'done', null, { timeout: 15_000 });
    await page.locator(sel('compare-timeline')).scrollIntoViewIfNeeded();
    await shot(page, 'phone-compare');
  }));

test('screenshot: cut-off (finish reason length, with Continue)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Count [cut]'), 'done');
    await page.locator(sel('continue')).waitFor({ state: 'visible' });
    await shot(page, 'cut-off');
  }));

test('screenshot: lab (the Runs view after 10 paced runs against two targets)', { timeout: TEST_TIMEOUT }, (t) =>
  withPageOpts(env, t, DESKTOP, async (page) => {
    await openApp(page, env, { model: 'mock-paced-120-30-12', params: { runs: '10' } });
    await page.locator(sel('lab-add-target')).click();
    await page.locator(sel('lab-run')).click();
    await page.waitForFunction(() => {
      const r = [...document.querySelectorAll('[data-testid="lab-result"]')];
      return r.length === 2 && r.every((e) => e.getAttribute('data-runs') === '10');
    }, null, { timeout: 60_000 });
    await shot(page, 'lab');
  }));
