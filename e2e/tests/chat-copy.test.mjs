// Copy buttons: a user message, an answer (its markdown source), a code block (the whole
// fence, even when the fence spans several render segments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEnv, openApp, sendAndWait, controlOf, sel, TEST_TIMEOUT } from '../helpers.mjs';
import { MARKDOWN_TEXT, MARKDOWN_CODE, CODE_LONG_CODE } from '../mock-server.mjs';

const env = useEnv();

async function grantClipboard(page) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.web.url });
  // A sentinel, so a copy that silently does nothing is seen as such.
  await page.evaluate(() => navigator.clipboard.writeText('<clipboard sentinel>'));
}

const readClipboard = (page) => page.evaluate(() => navigator.clipboard.readText());

/** Click `button` and wait until the clipboard changes from the sentinel; returns its text. */
async function copyVia(page, button) {
  await page.evaluate(() => navigator.clipboard.writeText('<clipboard sentinel>'));
  await button.click();
  const t0 = Date.now();
  for (;;) {
    const text = await readClipboard(page);
    if (text !== '<clipboard sentinel>') return text;
    if (Date.now() - t0 > 3_000) return text;
    await new Promise((r) => setTimeout(r, 30));
  }
}

test('copy: a user message and an answer', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-markdown' });
    await grantClipboard(page);
    const prompt = 'Write a report\nwith two lines';
    assert.equal(await sendAndWait(page, prompt), 'done');

    assert.equal(await copyVia(page, await controlOf(page, 'message-user', 0, 'copy')), prompt,
      'copy on the user message copies its exact text');
    assert.equal(await copyVia(page, await controlOf(page, 'message-assistant', 0, 'copy')), MARKDOWN_TEXT,
      'copy on the answer copies the answer exactly as received (markdown source)');
  }));

test('copy: a code block copies the whole fence text', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-markdown' });
    await grantClipboard(page);
    assert.equal(await sendAndWait(page, 'Show code'), 'done');
    const blocks = page.locator(sel('code-block'));
    assert.equal(await blocks.count(), 1, 'one code block');
    assert.equal(await page.locator(sel('code-copy')).count(), 1, 'one code-copy button');
    const copied = await copyVia(page, page.locator(sel('code-copy')));
    assert.equal(copied.replace(/\n$/, ''), MARKDOWN_CODE, 'the fence text, without the fence lines or the language');
  }));

test('copy: a code block longer than one render segment copies all of it', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-code-long' });
    await grantClipboard(page);
    assert.equal(await sendAndWait(page, 'Long code'), 'done');
    const parts = await page.locator(sel('code-block')).evaluateAll((els) =>
      els.map((e) => ({
        fence: e.getAttribute('data-fence'),
        lang: e.getAttribute('data-lang'),
        copy: e.querySelectorAll('[data-testid="code-copy"]').length,
        code: e.querySelector('pre')?.textContent ?? '',
      })));
    assert.ok(parts.length >= 1, 'at least one code-block');
    assert.equal(new Set(parts.map((p) => p.fence)).size, 1, `one fence (data-fence): ${JSON.stringify(parts.map((p) => p.fence))}`);
    assert.ok(parts.every((p) => p.lang === 'python'), `data-lang python on every part: ${JSON.stringify(parts.map((p) => p.lang))}`);
    assert.deepEqual(parts.map((p) => p.copy), parts.map((_, i) => (i === 0 ? 1 : 0)), 'code-copy only on the first part');
    // Each part is its own <pre> (a block), so parts are joined by line breaks: a part that ended
    // inside a line would show that line broken in two.
    assert.equal(parts.map((p) => p.code.replace(/\n$/, '')).join('\n'), CODE_LONG_CODE,
      'the parts together show the whole code, each line once and unbroken');
    const copied = await copyVia(page, page.locator(sel('code-copy')).first());
    assert.equal(copied.replace(/\n$/, ''), CODE_LONG_CODE, `whole fence copied (${copied.length} of ${CODE_LONG_CODE.length} chars)`);
  }));
