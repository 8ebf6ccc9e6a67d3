// The final render under load: three embedded instances (two elements and the JS-mounted chat)
// running turns back to back, the next one sent from inside the previous one's `done` event.
// After every turn each bubble must hold exactly the text its `done` event carried, never an
// empty bubble for a non-empty answer. Also: Clear in an embed offers Undo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmbedEnv, STATE_TIMEOUT, TEST_TIMEOUT } from '../helpers.mjs';
import { HAPPY_TEXT, UTF8_TEXT, echoText } from '../mock-server.mjs';

const env = useEmbedEnv();
const ROUNDS = 6;
const IDS = ['first', 'pirate', 'scripted'];

test(`three instances, ${ROUNDS} back-to-back turns each: every bubble shows what its done event carried`, { timeout: TEST_TIMEOUT * 2 }, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    // In the page: after each `done`, check the bubble a frame later (the final render), then send
    // the next turn at once from inside the event.
    await page.evaluate(({ ids, rounds }) => {
      window.__stress = { checks: [], pending: {}, left: Object.fromEntries(ids.map((id) => [id, rounds])) };
      const answers = (id) => document.getElementById(id).shadowRoot.querySelectorAll('[data-testid="message-assistant"]');
      const send = (id, text) => {
        if (id === 'scripted') return window.scriptedChat.send(text);
        const root = document.getElementById(id).shadowRoot;
        const box = root.querySelector('[data-testid="prompt"]');
        box.value = text;
        box.dispatchEvent(new Event('input', { bubbles: true }));
        root.querySelector('form.cs-composer').requestSubmit();
      };
      window.__stressSend = send;
      document.addEventListener('chat-stream:done', (e) => {
        const id = e.target.id;
        if (!ids.includes(id)) return;
        const text = e.detail.text;
        // The answer that ended is the last one now; the next turn adds another after it.
        const index = window.__stress.checks.filter((c) => c.id === id).length + (window.__stress.pending[id] ?? 0);
        window.__stress.pending[id] = (window.__stress.pending[id] ?? 0) + 1;
        requestAnimationFrame(() => requestAnimationFrame(() => {
          window.__stress.pending[id] -= 1;
          window.__stress.checks.push({ id, index, text, shown: answers(id)[index]?.textContent ?? null });
        }));
        const left = --window.__stress.left[id];
        if (left > 0) send(id, `round ${rounds - left + 1}`);
      });
      for (const id of ids) send(id, 'round 1');
    }, { ids: IDS, rounds: ROUNDS });
    await page.waitForFunction((n) => window.__stress.checks.length >= n, IDS.length * ROUNDS, { timeout: STATE_TIMEOUT * 4, polling: 100 });
    const checks = await page.evaluate(() => window.__stress.checks);
    const bad = checks.filter((c) => c.shown !== c.text || !c.text);
    assert.deepEqual(bad, [], `bubbles that did not show their done text: ${JSON.stringify(bad.slice(0, 3))}`);
    // What the mock sent, per instance: the echo, the happy text, the UTF-8 text.
    const by = Object.fromEntries(IDS.map((id) => [id, checks.filter((c) => c.id === id).sort((a, b) => a.index - b.index)]));
    assert.equal(by.first.length, ROUNDS);
    assert.deepEqual(by.first.map((c) => c.text), Array.from({ length: ROUNDS }, (_, i) => echoText(i + 1, `round ${i + 1}`)));
    assert.ok(by.pirate.every((c) => c.text === HAPPY_TEXT));
    assert.ok(by.scripted.every((c) => c.text === UTF8_TEXT));
    // Each chat holds all its turns.
    for (const id of IDS) {
      const n = await page.evaluate((id) => document.getElementById(id).shadowRoot.querySelectorAll('[data-testid="message-assistant"]').length, id);
      assert.equal(n, ROUNDS, `${id}: ${ROUNDS} answers`);
    }
  });
});

test('Clear in an embedded chat empties it and offers Undo', TEST_TIMEOUT && { timeout: TEST_TIMEOUT }, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    await page.locator('#first [data-testid="prompt"]').fill('keep me');
    await page.locator('#first [data-testid="send"]').click();
    await page.waitForFunction(() => document.getElementById('first').shadowRoot.querySelector('[data-testid="chat"]').dataset.state === 'done', null, { timeout: STATE_TIMEOUT });
    await page.locator('#first [data-testid="clear"]').click();
    await page.locator('#first [data-testid="empty"]').waitFor({ state: 'visible' });
    await page.locator('#first [data-testid="undo"]').click();
    await page.locator('#first [data-testid="message-user"]').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#first [data-testid="message-user"]').textContent(), 'keep me');
    assert.equal(await page.locator('#first [data-testid="message-assistant"]').textContent(), echoText(1, 'keep me'));
  });
});
