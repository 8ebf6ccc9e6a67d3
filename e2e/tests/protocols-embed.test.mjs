// The embed in every protocol: the `protocol` attribute of <chat-stream> and the `protocol`
// option of mount() / set() choose the API; the `chat-stream:done` event carries the finish
// reason and the tool calls (`toolCalls: [{id, name, arguments}]`), which are shown, never run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmbedEnv, STATE_TIMEOUT, TEST_TIMEOUT } from '../helpers.mjs';
import { HAPPY_TEXT, TOOL_CALLS, LENGTH_DELTAS } from '../mock-server.mjs';
import { PROTOCOL_PATHS } from '../protocol-wire.mjs';

const env = useEmbedEnv();
const T = { timeout: TEST_TIMEOUT };
const posts = (protocol) => env.mock.log.filter((e) => e.method === 'POST' && e.path === PROTOCOL_PATHS[protocol]);

/** The `done` events' details heard for host #id, once there are `n`. */
async function dones(page, id, n) {
  await page.waitForFunction(([id, n]) => window.__csEvents.filter((e) => e.type === 'done' && e.id === id).length >= n, [id, n], { timeout: STATE_TIMEOUT });
  return page.evaluate((id) => window.__csEvents.filter((e) => e.type === 'done' && e.id === id).map((e) => e.detail), id);
}

async function ask(page, id, text) {
  await page.locator(`#${id} [data-testid="prompt"]`).fill(text);
  await page.locator(`#${id} [data-testid="send"]`).click();
}

test('the protocol attribute picks the API; done carries the tool calls and finish reason', T, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    let n = 0;
    for (const protocol of ['anthropic', 'responses', 'chat']) {
      await page.locator('#first').evaluate((el, p) => {
        el.setAttribute('protocol', p);
        el.setAttribute('model', 'mock-tools');
      }, protocol);
      await ask(page, 'first', `tools via ${protocol}`);
      const done = (await dones(page, 'first', ++n)).at(-1);
      assert.equal(posts(protocol).length, 1, `one POST on ${PROTOCOL_PATHS[protocol]}`);
      assert.equal(done.finishReason, 'tool_calls', protocol);
      assert.equal(done.text, '');
      assert.deepEqual(done.toolCalls, TOOL_CALLS, protocol);
      // Shown in the shadow root, with the arguments pretty-printed.
      const shown = await page.locator('#first').evaluate((el) =>
        [...el.shadowRoot.querySelectorAll('[data-testid="tool-call"]')].slice(-2).map((c) => [c.dataset.name, c.querySelector('[data-testid="tool-call-args"]').textContent]));
      assert.deepEqual(shown, TOOL_CALLS.map((c) => [c.name, JSON.stringify(JSON.parse(c.arguments), null, 2)]));
    }
    // Removing the attribute restores the default, chat.
    await page.locator('#first').evaluate((el) => {
      el.removeAttribute('protocol');
      el.setAttribute('model', 'mock-happy');
    });
    await ask(page, 'first', 'plain');
    const done = (await dones(page, 'first', ++n)).at(-1);
    assert.equal(done.text, HAPPY_TEXT);
    assert.deepEqual(done.toolCalls, []);
    assert.equal(posts('chat').length, 2);
  });
});

test('mount() and set() take the protocol option', T, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    await page.evaluate(() => window.scriptedChat.set({ protocol: 'responses', model: 'mock-length' }));
    await page.evaluate(() => window.scriptedChat.send('cut me off'));
    const [done] = await dones(page, 'scripted', 1);
    assert.equal(posts('responses').length, 1);
    assert.equal(done.finishReason, 'length');
    assert.equal(done.text, LENGTH_DELTAS.join(''));
    await page.evaluate(() => window.scriptedChat.set({ protocol: 'anthropic', model: 'mock-happy' }));
    await page.evaluate(() => window.scriptedChat.send('hello'));
    const second = (await dones(page, 'scripted', 2)).at(-1);
    assert.equal(second.text, HAPPY_TEXT);
    assert.equal(second.finishReason, 'stop');
    assert.equal(posts('anthropic').length, 1);
    assert.equal(posts('anthropic')[0].headers['anthropic-version'], '2023-06-01');
  });
});
