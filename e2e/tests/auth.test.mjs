// (e) HTTP 401 without a key, then success with the key; the key never leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, assistantText, optionalText, until, sel, TEST_TIMEOUT, openSettings,
} from '../helpers.mjs';
import { HAPPY_TEXT, AUTH_KEY } from '../mock-server.mjs';

const env = useEnv();

test('401 shows the server message; the API key fixes it and never leaks', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page, probe) => {
    await openApp(page, env, { model: 'mock-auth', stream: true });
    await openSettings(page);
    const key = page.locator(sel('api-key'));
    assert.equal(await key.getAttribute('type'), 'password', 'api-key is a password input');
    assert.equal(await key.inputValue(), '', 'api-key starts empty');

    await sendPrompt(page, 'Who am I?');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'error');
    const err = await optionalText(page, 'error');
    assert.ok(err && err.includes('Incorrect API key'), `error should contain the server's message; got ${JSON.stringify(err)}`);

    await key.fill(AUTH_KEY);
    await sendPrompt(page, 'Who am I now?');
    await until(() => env.completions().length >= 2, { message: 'the second completion request' });
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    assert.equal(await assistantText(page), HAPPY_TEXT, 'final assistant text (exact)');
    const err2 = await optionalText(page, 'error');
    assert.ok(err2 == null || err2.trim() === '', `error cleared after success; got ${JSON.stringify(err2)}`);

    const posts = env.completions();
    assert.equal(posts.length, 2, 'two completion requests');
    assert.equal(posts[0].status, 401);
    assert.equal(posts[0].authorization, null, 'first request: no Authorization header at all');
    assert.equal(posts[1].authorization, `Bearer ${AUTH_KEY}`, 'second request: Bearer key');
    for (const e of env.mock.log.filter((e) => e.method !== 'POST')) {
      assert.equal(e.authorization, null, `${e.method} ${e.path} must not carry Authorization`);
    }

    // The key must not leak into the URL, web storage, cookies or the console.
    assert.ok(!page.url().includes(AUTH_KEY), `page URL contains the key: ${page.url()}`);
    const storage = await page.evaluate(() => {
      const dump = (s) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]));
      return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie };
    });
    assert.ok(!JSON.stringify(storage.local).includes(AUTH_KEY), `localStorage contains the key: ${JSON.stringify(storage.local)}`);
    assert.ok(!JSON.stringify(storage.session).includes(AUTH_KEY), `sessionStorage contains the key: ${JSON.stringify(storage.session)}`);
    assert.ok(!storage.cookie.includes(AUTH_KEY), 'cookie contains the key');
    const leaked = probe.console.filter((m) => m.text.includes(AUTH_KEY));
    assert.deepEqual(leaked, [], 'console messages contain the key');
  }));
