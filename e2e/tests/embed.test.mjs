// The embed: examples/static-site/index.html copied OUTSIDE the repo, served from its own
// port, loading dist/chat-stream.js from the app's origin (cross-origin, like a site owner would),
// against the mock API. Instances are reached through their open shadow roots (Playwright's CSS
// locators pierce them), with the app's data-testid hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  SCREENSHOT_DIR,
  useEmbedEnv,
  STATE_TIMEOUT,
  TEST_TIMEOUT,
} from '../helpers.mjs';
import { HAPPY_TEXT, UTF8_TEXT, AUTH_KEY, echoText, MIDSTREAM_ERROR_DELTAS, MIDSTREAM_ERROR_MESSAGE } from '../mock-server.mjs';

const env = useEmbedEnv();
const T = { timeout: TEST_TIMEOUT };
const inside = (id, testid) => `#${id} [data-testid="${testid}"]`;

/** data-state of the chat inside host element #id. */
const stateOf = (page, id) => page.locator(inside(id, 'chat')).getAttribute('data-state');

async function waitState(page, id, states) {
  const want = [].concat(states);
  await page.waitForFunction(
    ([id, want]) => want.includes(document.getElementById(id)?.shadowRoot?.querySelector('[data-testid="chat"]')?.getAttribute('data-state')),
    [id, want],
    { timeout: STATE_TIMEOUT, polling: 'raf' },
  ).catch(async (err) => {
    throw new Error(`#${id}: timed out waiting for ${want}; state is ${await stateOf(page, id).catch(() => '?')}`, { cause: err });
  });
}

async function ask(page, id, text) {
  await page.locator(inside(id, 'prompt')).fill(text);
  await page.locator(inside(id, 'send')).click();
}

/** Text of the last assistant message inside #id. */
const answerOf = (page, id) =>
  page.evaluate((id) => {
    const all = document.getElementById(id).shadowRoot.querySelectorAll('[data-testid="message-assistant"]');
    return all.length ? all[all.length - 1].textContent : null;
  }, id);

const events = (page) => page.evaluate(() => window.__csEvents);

test('the example page, served from another origin, streams in three independent instances', T, async (t) => {
  await env.withPage(t, async (page, probe) => {
    await env.openExample(page);
    // The loader and the wasm come from the app's origin, the page from another one.
    assert.notEqual(new URL(env.web.url).port, new URL(env.site.url).port);
    assert.ok(probe.requests.some((r) => r === `GET ${env.web.url}/chat-stream.js`), 'loader fetched cross-origin');
    assert.ok(probe.requests.some((r) => r === `GET ${env.web.url}/chat-stream-embed_bg.wasm`), 'wasm resolved against the loader URL');
    assert.ok(!probe.requests.some((r) => r.startsWith(`GET ${env.site.url}/chat-stream`)), 'nothing resolved against the host page');

    // All three running at once.
    await ask(page, 'first', 'one');
    await ask(page, 'pirate', 'two');
    await page.locator('#ask').click();
    await Promise.all(['first', 'pirate', 'scripted'].map((id) => waitState(page, id, 'done')));

    assert.equal(await answerOf(page, 'first'), echoText(1, 'one'));
    assert.equal(await answerOf(page, 'pirate'), HAPPY_TEXT);
    assert.equal(await answerOf(page, 'scripted'), UTF8_TEXT);
    // Each conversation holds only its own turn.
    for (const id of ['first', 'pirate', 'scripted']) {
      assert.equal(await page.locator(inside(id, 'message-user')).count(), 1, `${id}: one user message`);
      assert.equal(await page.locator(inside(id, 'message-assistant')).count(), 1, `${id}: one answer`);
    }
    // Each request carries its own element's attributes / options.
    const byModel = Object.fromEntries(env.completions().map((e) => [e.model, e.body]));
    assert.deepEqual(Object.keys(byModel).sort(), ['mock-echo', 'mock-happy', 'mock-utf8']);
    assert.equal(byModel['mock-echo'].stream, true);
    assert.equal(byModel['mock-echo'].max_tokens, 128);
    assert.equal(byModel['mock-happy'].stream, false);
    assert.equal(byModel['mock-happy'].temperature, 0.9);
    assert.equal(byModel['mock-happy'].max_tokens, 64);
    assert.deepEqual(byModel['mock-happy'].messages[0], { role: 'system', content: 'You are a pirate. Answer in one short sentence.' });
    assert.equal(byModel['mock-utf8'].max_tokens, 96);
    // The page's own event log heard all three.
    const log = await page.locator('#events').textContent();
    for (const id of ['first', 'pirate', 'scripted']) assert.match(log, new RegExp(`^${id} done `, 'm'));
    // For the README: the example page after the three answers.
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'states', 'embed-example.png'), fullPage: true });
  });
});

test('events bubble out of the shadow root with the right payloads (start, delta, done, error)', T, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    await page.locator('#first').evaluate((el) => el.setAttribute('model', 'mock-happy'));
    await ask(page, 'first', 'payloads please');
    await waitState(page, 'first', 'done');
    await page.waitForFunction(() => window.__csEvents.some((e) => e.type === 'done'));
    let ev = (await events(page)).filter((e) => e.id === 'first');
    assert.deepEqual(ev.map((e) => e.type).filter((x, i, a) => a.indexOf(x) === i), ['start', 'delta', 'done']);
    assert.ok(ev.every((e) => e.bubbles && e.composed), 'bubbling, composed events');
    const start = ev[0].detail;
    assert.deepEqual(start, { prompt: 'payloads please', endpoint: `${env.mock.url}/v1`, model: 'mock-happy', stream: true });
    const deltas = ev.filter((e) => e.type === 'delta').map((e) => e.detail.text);
    assert.ok(deltas.length > 3, `several deltas, got ${deltas.length}`);
    assert.equal(deltas.join(''), HAPPY_TEXT, 'the deltas add up to the answer, each character once');
    const done = ev.at(-1).detail;
    assert.equal(done.text, HAPPY_TEXT);
    assert.equal(done.text, await answerOf(page, 'first'), 'done.text is what the page shows');
    assert.equal(done.stopped, false);
    assert.equal(done.finishReason, 'stop');
    assert.ok(done.timings.firstTokenMs > 0 && done.timings.firstTokenMs <= done.timings.totalMs, JSON.stringify(done.timings));
    assert.ok(done.timings.chunks >= deltas.length);
    assert.ok(done.usage && done.usage.completionTokens > 0 && done.usage.totalTokens >= done.usage.completionTokens, JSON.stringify(done.usage));

    // A mid-stream error: the partial text is in the event and stays on screen.
    await page.evaluate(() => (window.__csEvents.length = 0));
    await page.locator('#first').evaluate((el) => el.setAttribute('model', 'mock-midstream-error'));
    await ask(page, 'first', 'fail please');
    await waitState(page, 'first', 'error');
    await page.waitForFunction(() => window.__csEvents.some((e) => e.type === 'error'));
    ev = (await events(page)).filter((e) => e.id === 'first');
    const failure = ev.find((e) => e.type === 'error').detail;
    assert.equal(failure.text, MIDSTREAM_ERROR_DELTAS.join(''));
    assert.ok(failure.message.includes(MIDSTREAM_ERROR_MESSAGE), failure.message);
    assert.equal(failure.status, null);
    assert.ok(!ev.some((e) => e.type === 'done'), 'no done after an error');

    // An HTTP error carries its status.
    await page.evaluate(() => (window.__csEvents.length = 0));
    await page.locator('#first').evaluate((el) => el.setAttribute('model', 'mock-auth'));
    await ask(page, 'first', 'no key');
    await waitState(page, 'first', 'error');
    await page.waitForFunction(() => window.__csEvents.some((e) => e.type === 'error'));
    const http = (await events(page)).find((e) => e.type === 'error').detail;
    assert.equal(http.status, 401);
    assert.match(http.message, /401/);

    // Stop: done, marked stopped, with the partial text.
    await page.evaluate(() => (window.__csEvents.length = 0));
    await page.locator('#first').evaluate((el) => el.setAttribute('model', 'mock-slow'));
    await ask(page, 'first', 'slow');
    await page.waitForFunction(() => window.__csEvents.filter((e) => e.type === 'delta').length >= 2);
    await page.locator('#first').evaluate((el) => el.stop());
    await waitState(page, 'first', 'stopped');
    ev = await events(page);
    const stopped = ev.find((e) => e.type === 'done').detail;
    assert.equal(stopped.stopped, true);
    assert.equal(stopped.text, ev.filter((e) => e.type === 'delta').map((e) => e.detail.text).join(''));
    assert.equal(stopped.text.trimEnd(), (await answerOf(page, 'first')).trimEnd());
    // Nothing else on the page heard any of it.
    assert.ok(ev.every((e) => e.id === 'first'));
  });
});

test('attributes change the next request; placeholder and theme apply at once', T, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    const el = page.locator('#first');
    await el.evaluate((el, url) => {
      el.setAttribute('endpoint', url);
      el.setAttribute('model', 'mock-happy');
      el.setAttribute('stream', 'false');
      el.setAttribute('system', 'Be brief.');
      el.setAttribute('temperature', '0.2');
      el.setAttribute('max-tokens', '7');
      el.setAttribute('placeholder', 'Type here, please');
      el.setAttribute('theme', 'dark');
    }, `${env.mock.url}/v1/`);
    assert.equal(await page.locator(inside('first', 'prompt')).getAttribute('placeholder'), 'Type here, please');
    assert.equal(await page.locator(inside('first', 'chat')).getAttribute('data-theme'), 'dark');
    await ask(page, 'first', 'attrs');
    await waitState(page, 'first', 'done');
    let body = env.completions().at(-1).body;
    assert.deepEqual(
      { stream: body.stream, temperature: body.temperature, max_tokens: body.max_tokens, system: body.messages[0] },
      { stream: false, temperature: 0.2, max_tokens: 7, system: { role: 'system', content: 'Be brief.' } },
    );
    // Removing attributes restores the defaults.
    await el.evaluate((el) => ['stream', 'system', 'temperature', 'max-tokens', 'theme'].forEach((a) => el.removeAttribute(a)));
    assert.equal(await page.locator(inside('first', 'chat')).getAttribute('data-theme'), 'auto');
    await page.locator(inside('first', 'clear')).click();
    await ask(page, 'first', 'defaults');
    await waitState(page, 'first', 'done');
    body = env.completions().at(-1).body;
    assert.equal(body.stream, true);
    assert.equal(body.max_tokens, 256);
    assert.equal(body.temperature, 0.7);
    assert.equal(body.messages[0].role, 'user', 'no system message');
    // JS handles take the same options, in camelCase.
    await page.evaluate(() => window.scriptedChat.set({ maxTokens: 5, model: 'mock-happy', theme: 'dark' }));
    assert.equal(await page.locator(inside('scripted', 'chat')).getAttribute('data-theme'), 'dark');
    await page.evaluate(() => window.scriptedChat.send('via js'));
    await waitState(page, 'scripted', 'done');
    assert.equal(env.completions().at(-1).body.max_tokens, 5);
  });
});

test("host CSS (* { all: unset }) cannot break it, its CSS does not leak out, custom properties theme it", T, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    await page.evaluate(() => {
      const probe = document.createElement('button');
      probe.className = 'cs-button cs-button--primary cs-chat';
      probe.id = 'probe';
      probe.textContent = 'host button';
      document.body.append(probe);
    });
    await page.addStyleTag({ content: '* { all: unset } head, script, style { display: none } #probe { display: inline-block }' });
    // The host page's own button with our class names gets none of our styles.
    const probeStyle = await page.locator('#probe').evaluate((b) => {
      const s = getComputedStyle(b);
      return { bg: s.backgroundColor, radius: s.borderRadius, display: s.display };
    });
    assert.deepEqual(probeStyle, { bg: 'rgba(0, 0, 0, 0)', radius: '0px', display: 'inline-block' });

    // Inside, the chat keeps its layout and fonts, and still works.
    const inner = await page.locator(inside('first', 'chat')).evaluate((chat) => {
      const send = chat.querySelector('[data-testid="send"]');
      const prompt = chat.querySelector('[data-testid="prompt"]');
      const r = send.getBoundingClientRect();
      return {
        display: getComputedStyle(chat).display,
        fontSize: getComputedStyle(prompt).fontSize,
        sendVisible: r.width > 20 && r.height > 15,
        sendBg: getComputedStyle(send).backgroundColor,
        promptHeight: prompt.getBoundingClientRect().height,
      };
    });
    assert.equal(inner.display, 'grid');
    assert.ok(inner.sendVisible, 'send button laid out');
    assert.ok(inner.promptHeight > 40, `prompt box keeps its rows, ${inner.promptHeight}px`);
    assert.equal(inner.sendBg, 'rgb(11, 98, 214)', 'default accent');
    // #pirate sets --cs-accent on its element.
    const pirateBg = await page.locator(inside('pirate', 'send')).evaluate((b) => getComputedStyle(b).backgroundColor);
    assert.equal(pirateBg, 'rgb(142, 36, 170)');
    // …and --cs-accent-text, so its Send text stays readable in its dark theme (WCAG AA: 4.5:1).
    const contrast = await page.locator(inside('pirate', 'send')).evaluate((b) => {
      const lum = (c) => {
        const [r, g, bl] = c.match(/\d+/g).slice(0, 3).map((v) => {
          const x = Number(v) / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
      };
      const s = getComputedStyle(b);
      const [hi, lo] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    });
    assert.ok(contrast >= 4.5, `pirate Send contrast ${contrast.toFixed(2)}:1 >= 4.5:1`);
    await ask(page, 'first', 'still works');
    await waitState(page, 'first', 'done');
    assert.equal(await answerOf(page, 'first'), echoText(1, 'still works'));
  });
});

test('unmount() aborts the request (the server sees the close) and leaves no listener or timer', T, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    await page.evaluate(() => window.scriptedChat.set({ model: 'mock-slow' }));
    const before = await env.listenerCounts(page, '#scripted');
    await page.evaluate(() => window.__csTrack.mark());
    await page.locator('#ask').click();
    await waitState(page, 'scripted', 'streaming');
    await page.waitForFunction(() => window.__csEvents.filter((e) => e.type === 'delta').length >= 2);
    // Control: the detector does see what the running instance registered.
    const running = await page.evaluate(() => window.__csTrack.leftovers());
    assert.ok(running.listeners.some((l) => l.startsWith('BUTTON:click')), `detector sees the new messages' buttons: ${JSON.stringify(running)}`);
    await page.locator('#unmount').click();
    assert.equal(await page.evaluate(() => window.scriptedChat.state), 'unmounted');
    assert.equal(await page.evaluate(() => document.getElementById('scripted').shadowRoot.childNodes.length), 0);

    const entry = await env.waitForClose('mock-slow');
    assert.equal(entry.aborted, true, 'the client closed the connection');
    assert.ok(!entry.completed);
    await page.waitForTimeout(300);
    const left = await page.evaluate(() => window.__csTrack.leftovers());
    assert.deepEqual(left, { listeners: [], intervals: 0, timeouts: 0, frames: 0 }, 'nothing the instance made is still registered');
    assert.deepEqual(await env.listenerCounts(page, '#scripted'), before, 'CDP: listeners on window, document and the host as before mounting');
    // No ending is reported for an unmounted instance, and nothing arrives later.
    const n = (await events(page)).length;
    await page.waitForTimeout(500);
    assert.equal((await events(page)).length, n);
    assert.ok(!(await events(page)).some((e) => e.id === 'scripted' && e.type === 'done'));
    // The other instances are untouched.
    await ask(page, 'first', 'after unmount');
    await waitState(page, 'first', 'done');
  });
});

test('removing an element cleans up like unmount; moving it keeps the conversation', T, async (t) => {
  await env.withPage(t, async (page) => {
    await env.openExample(page);
    await ask(page, 'first', 'keep me');
    await waitState(page, 'first', 'done');
    // Moved within the page: same conversation.
    await page.evaluate(() => document.body.append(document.getElementById('first')));
    await page.waitForTimeout(100);
    assert.equal(await answerOf(page, 'first'), echoText(1, 'keep me'));
    assert.equal(await page.evaluate(() => document.getElementById('first').state), 'done');

    await page.locator('#pirate').evaluate((el) => el.setAttribute('model', 'mock-slow'));
    await page.locator('#pirate').evaluate((el) => el.setAttribute('stream', 'true'));
    const before = await env.listenerCounts(page, '#pirate');
    await page.evaluate(() => window.__csTrack.mark());
    await ask(page, 'pirate', 'slow');
    await waitState(page, 'pirate', 'streaming');
    await page.evaluate(() => (window.__removed = document.getElementById('pirate')).remove());
    const entry = await env.waitForClose('mock-slow');
    assert.equal(entry.aborted, true);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__removed.state), 'unmounted');
    assert.equal(await page.evaluate(() => window.__removed.shadowRoot.childNodes.length), 0);
    const left = await page.evaluate(() => window.__csTrack.leftovers());
    assert.deepEqual(left, { listeners: [], intervals: 0, timeouts: 0, frames: 0 });
    // Its listeners on the (now detached) host are the page's, as before.
    assert.deepEqual(await env.listenerCounts(page, null, () => window.__removed), before);
  });
});

test('security: the key is never read from api-key; unsafe-api-key goes only to Authorization, never into events', T, async (t) => {
  const KEY = 'sk-embed-planted-7c1e9a';
  await env.withPage(t, async (page, probe) => {
    await env.openExample(page);
    // A plain `api-key` attribute is ignored.
    await page.locator('#first').evaluate((el, k) => { el.setAttribute('api-key', k); el.setAttribute('model', 'mock-auth'); }, AUTH_KEY);
    await ask(page, 'first', 'no key expected');
    await waitState(page, 'first', 'error');
    assert.equal(env.completions().at(-1).authorization ?? null, null, 'api-key attribute not used');
    // `unsafe-api-key` is used, only as the Bearer header.
    await page.locator('#first').evaluate((el, k) => el.setAttribute('unsafe-api-key', k), AUTH_KEY);
    await ask(page, 'first', 'with key');
    await waitState(page, 'first', 'done');
    assert.equal(env.completions().at(-1).authorization, `Bearer ${AUTH_KEY}`);
    // A planted key through the JS API: in the header only.
    await page.evaluate((k) => window.scriptedChat.set({ apiKey: k, model: 'mock-happy' }), KEY);
    await page.evaluate(() => window.scriptedChat.send('planted'));
    await waitState(page, 'scripted', 'done');
    const post = probe.posts.at(-1);
    assert.equal(post.headers.authorization, `Bearer ${KEY}`);
    const everything = JSON.stringify({
      events: await events(page),
      url: page.url(),
      requests: probe.requests,
      body: post.body,
      otherHeaders: Object.entries(post.headers).filter(([k]) => k !== 'authorization'),
      console: probe.console,
      storage: await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie),
      dom: await page.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll('chat-stream, #scripted')].map((e) => e.shadowRoot?.innerHTML).join('')),
    });
    assert.ok(!everything.includes(KEY), 'the planted key leaked outside the Authorization header');
    assert.ok((await events(page)).length > 0);
  });
});
