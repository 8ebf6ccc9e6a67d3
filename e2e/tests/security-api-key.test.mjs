// A planted API key typed into the page goes to the configured endpoint in the
// `Authorization: Bearer` header of the POST, and NOWHERE else: not in any URL, web storage,
// cookie, IndexedDB, Cache Storage, console message, DOM text or attribute, error message, exported
// history, or any other header or body the server receives. Runs under the page's own CSP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import {
  useHostileEnv, openApp, runTurn, installSecurityTraps, inertnessReport, sel, TEST_TIMEOUT, openSettings,
} from '../helpers.mjs';
import { TEXT } from '../hostile-server.mjs';

const env = useHostileEnv();
const KEY = 'sk-planted-XYZ123';

async function setField(page, testid, value) {
  await page.locator(sel(testid)).fill(value);
  await page.locator(sel(testid)).press('Tab'); // settings fields commit on change
}

test('a planted API key is sent only as the Bearer header of the completion POSTs and leaks nowhere', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page, probe) => {
    const traps = await installSecurityTraps(page);
    await openApp(page, env, { model: 'hostile-echo-nothing', stream: true });
    await openSettings(page);
    const remember = page.locator(sel('remember-key'));
    const hasRemember = (await remember.count()) > 0;
    if (hasRemember) assert.equal(await remember.isChecked(), false, 'the "remember key" checkbox is off by default');
    const keyInput = page.locator(sel('api-key'));
    assert.equal(await keyInput.getAttribute('type'), 'password', 'the key field is a password input');
    await keyInput.fill(KEY);

    // 1. A normal turn against a server that echoes nothing of the key.
    const errors = [];
    let r = await runTurn(page, 'Hello');
    assert.equal(r.state, 'done');
    assert.equal(r.text, TEXT['hostile-plain']);
    // 2. An HTTP error turn.
    await setField(page, 'model', 'hostile-http-401');
    r = await runTurn(page, 'Now fail');
    assert.equal(r.state, 'error');
    errors.push(r.error);
    // 3. A CORS refusal (the message names the URL).
    const corsEndpoint = env.mock.scenarioBase('hostile-cors-preflight-fail');
    await setField(page, 'endpoint', corsEndpoint);
    r = await runTurn(page, 'And unreachable');
    assert.equal(r.state, 'error');
    assert.ok(r.error.includes(corsEndpoint), `the CORS message names the endpoint: ${JSON.stringify(r.error)}`);
    errors.push(r.error);
    assert.equal(await keyInput.inputValue(), KEY, 'the key is still in its field');

    // --- the page ---
    assert.ok(!page.url().includes(KEY), `page URL: ${page.url()}`);
    const leaks = await page.evaluate(async ({ key, keySel }) => {
      const out = {};
      const has = (v) => typeof v === 'string' && v.includes(key);
      const dump = (s) => Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]);
      out.localStorage = dump(localStorage).filter(([k, v]) => has(k) || has(v));
      out.sessionStorage = dump(sessionStorage).filter(([k, v]) => has(k) || has(v));
      out.cookie = has(document.cookie) ? document.cookie : null;
      out.windowName = has(window.name) ? window.name : null;
      out.historyState = has(JSON.stringify(history.state)) ? history.state : null;
      out.performance = performance.getEntries().map((e) => e.name).filter(has);
      out.caches = [];
      if (self.caches) {
        for (const name of await caches.keys()) {
          const c = await caches.open(name);
          for (const req of await c.keys()) {
            const body = await (await c.match(req)).text();
            if (has(req.url) || has(body)) out.caches.push(req.url);
          }
        }
      }
      out.indexedDB = [];
      if (indexedDB.databases) {
        for (const { name } of await indexedDB.databases()) {
          const db = await new Promise((res, rej) => {
            const q = indexedDB.open(name);
            q.onsuccess = () => res(q.result);
            q.onerror = () => rej(q.error);
          });
          for (const store of db.objectStoreNames) {
            const all = await new Promise((res) => {
              const q = db.transaction(store).objectStore(store).getAll();
              q.onsuccess = () => res(q.result);
              q.onerror = () => res([]);
            });
            if (has(JSON.stringify(all))) out.indexedDB.push(`${name}/${store}`);
          }
          db.close();
        }
      }
      // The DOM: all markup (text and attribute values), and the live value of every other field.
      out.dom = has(document.documentElement.outerHTML) ? 'documentElement.outerHTML contains the key' : null;
      out.attributes = [...document.querySelectorAll('*')].flatMap((e) =>
        [...e.attributes].filter((a) => has(a.value)).map((a) => `${e.tagName.toLowerCase()}[${a.name}]`));
      const keyField = document.querySelector(keySel);
      out.fields = [...document.querySelectorAll('input, textarea, select')]
        .filter((e) => e !== keyField && has(e.value))
        .map((e) => e.getAttribute('data-testid') || e.name || e.id || e.tagName);
      out.text = has(document.body.innerText) || has(document.body.textContent) ? 'page text contains the key' : null;
      out.title = has(document.title) ? document.title : null;
      return out;
    }, { key: KEY, keySel: sel('api-key') });
    assert.deepEqual(leaks.localStorage, [], hasRemember ? 'localStorage holds the key although "remember key" is off' : 'localStorage holds the key');
    assert.deepEqual(leaks.sessionStorage, [], 'sessionStorage holds the key (the app keeps it in memory only)');
    for (const k of ['cookie', 'windowName', 'historyState', 'dom', 'text', 'title']) assert.equal(leaks[k], null, `${k} contains the key`);
    for (const k of ['performance', 'caches', 'indexedDB', 'attributes', 'fields']) assert.deepEqual(leaks[k], [], `${k} contain the key`);
    for (const e of errors) assert.ok(!e.includes(KEY), `an error message contains the key: ${e}`);
    assert.deepEqual(probe.console.filter((m) => m.text.includes(KEY)), [], 'console messages contain the key');
    assert.deepEqual(probe.requests.filter((u) => u.includes(KEY)), [], 'request URLs (browser side) contain the key');
    const rep = await inertnessReport(page);
    assert.deepEqual(rep.cspViolations, [], 'no CSP violation');
    assert.deepEqual(traps.dialogs, []);

    // --- the exported history ---
    // (The settings drawer lies over the history column: close it first.)
    if (await page.locator(sel('settings-drawer')).isVisible()) await page.locator(sel('settings-close')).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(sel('export')).click()]);
    const exported = await fsp.readFile(await download.path(), 'utf8');
    assert.ok(JSON.parse(exported).conversations.length >= 1, 'the export holds the conversation');
    assert.ok(!exported.includes(KEY), 'the exported history contains the key');

    // --- the server ---
    const log = env.mock.log;
    const posts = env.completions();
    assert.equal(posts.length, 2, 'two completion POSTs (the CORS turn never got past its preflight)');
    for (const p of posts) {
      assert.equal(p.path, '/v1/chat/completions', 'POSTed to the configured endpoint');
      assert.equal(p.authorization, `Bearer ${KEY}`, 'the key is sent as Authorization: Bearer');
    }
    for (const e of log) {
      const where = [];
      if (e.url.includes(KEY)) where.push('URL');
      if ((e.rawBody || '').includes(KEY)) where.push('body');
      for (const [h, v] of Object.entries(e.headers)) {
        if (h !== 'authorization' && String(v).includes(KEY)) where.push(`header ${h}`);
      }
      if (e.authorization != null && !(e.method === 'POST' && e.path === '/v1/chat/completions')) where.push('Authorization of a non-completion request');
      assert.deepEqual(where, [], `${e.method} ${e.url} carries the key in: ${where.join(', ')}`);
    }
    const preflights = log.filter((e) => e.method === 'OPTIONS');
    assert.ok(preflights.length >= 2, `preflights were made (${preflights.length})`);
    for (const p of preflights) assert.equal(p.authorization, null, 'preflights carry no Authorization');
  }));
