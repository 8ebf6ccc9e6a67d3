// Settings: they persist across reloads (the URL overrides them), the API key lives in the page's
// memory only unless "remember key" is ticked (then in localStorage), presets fill endpoint and
// model, and "List models" fills a picker from GET {endpoint}/models (or says why it could not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, inPage, openApp, appUrl, sendAndWait, storageDump, reloadApp, waitInPage, optionalText,
  lastUserContent, frames, until, sel, TEST_TIMEOUT, openSettings,
} from '../helpers.mjs';
import { AUTH_KEY, HAPPY_TEXT, SCENARIOS } from '../mock-server.mjs';

const env = useEnv();

/** Type into a settings field the way a user does: fill, then leave it (commits on change). */
async function setField(page, testid, value) {
  const el = page.locator(sel(testid));
  await el.fill(value);
  await el.press('Tab');
}

async function fields(page) {
  const v = async (id) => page.locator(sel(id)).inputValue();
  return {
    endpoint: await v('endpoint'),
    model: await v('model'),
    temperature: await v('temperature'),
    maxTokens: await v('max-tokens'),
    system: await v('system'),
    stream: await page.locator(sel('stream')).isChecked(),
  };
}

const hasKeyAnywhere = (obj, key) => Object.entries(obj).some(([k, v]) => k.includes(key) || String(v).includes(key));

test('settings persist across a reload; URL parameters override them', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    await openSettings(page);
    await setField(page, 'temperature', '1.3');
    await setField(page, 'max-tokens', '77');
    await setField(page, 'system', 'Be brief.');
    await page.locator(sel('stream')).uncheck();
    await frames(page);
    const saved = JSON.parse((await storageDump(page)).local['chat-stream.v1.settings'] ?? 'null');
    assert.ok(saved, 'chat-stream.v1.settings is written');
    assert.equal(saved.endpoint, `${env.mock.url}/v1`);
    assert.equal(saved.model, 'mock-echo');
    assert.ok(Math.abs(saved.temperature - 1.3) < 1e-6, `temperature ${saved.temperature}`);
    assert.equal(saved.max_tokens, 77);
    assert.equal(saved.system, 'Be brief.');
    assert.equal(saved.stream, false);

    // Reload without any URL parameter: everything comes back from storage.
    await reloadApp(page, `${env.web.url}/`);
    await openSettings(page);
    assert.deepEqual(await fields(page), {
      endpoint: `${env.mock.url}/v1`, model: 'mock-echo', temperature: '1.3', maxTokens: '77', system: 'Be brief.', stream: false,
    }, 'restored settings');
    assert.equal(await sendAndWait(page, 'Settings check'), 'done');
    const body = env.completions().at(-1).body;
    assert.equal(body.model, 'mock-echo');
    assert.equal(body.stream, false);
    assert.ok(Math.abs(body.temperature - 1.3) < 1e-6, `temperature sent: ${body.temperature}`);
    assert.equal(body.max_tokens, 77);
    assert.deepEqual(body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Settings check' }]);

    // The URL wins over what was saved; the rest stays.
    await reloadApp(page, appUrl(env, { model: 'mock-happy', stream: true }));
    await openSettings(page);
    assert.deepEqual(await fields(page), {
      endpoint: `${env.mock.url}/v1`, model: 'mock-happy', temperature: '1.3', maxTokens: '77', system: 'Be brief.', stream: true,
    }, 'URL parameters override saved settings');
  }));

test('API key: in memory only (no web storage) unless remembered; remembered in localStorage; forgotten when unticked', { timeout: TEST_TIMEOUT }, async (t) => {
  await env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-auth' });
    await openSettings(page);
    assert.equal(await page.locator(sel('api-key')).getAttribute('type'), 'password');
    const remember = page.locator(sel('remember-key'));
    assert.equal(await remember.isChecked(), false, 'not remembered by default');
    await page.locator(sel('api-key')).fill(AUTH_KEY);
    await frames(page);
    let dump = await storageDump(page);
    assert.ok(!hasKeyAnywhere(dump.local, AUTH_KEY), `key not in localStorage: ${JSON.stringify(dump.local)}`);
    assert.ok(!('chat-stream.v1.api_key.remember' in dump.local));
    // Not remembered: the key lives in the page's memory only, in no web storage.
    assert.ok(!hasKeyAnywhere(dump.session, AUTH_KEY), `key in sessionStorage: ${JSON.stringify(dump.session)}`);

    await remember.check();
    await frames(page);
    dump = await storageDump(page);
    assert.equal(dump.local['chat-stream.v1.api_key'], AUTH_KEY, 'remembered: key in localStorage');
    assert.equal(dump.local['chat-stream.v1.api_key.remember'], 'true');
    assert.ok(!hasKeyAnywhere(dump.session, AUTH_KEY), 'remembered: not also in sessionStorage');

    await reloadApp(page);
    await openSettings(page);
    assert.equal(await page.locator(sel('api-key')).inputValue(), AUTH_KEY, 'key restored after reload');
    assert.equal(await remember.isChecked(), true);
    assert.equal(await sendAndWait(page, 'With key'), 'done');
    assert.equal(env.completions().at(-1).authorization, `Bearer ${AUTH_KEY}`, 'the restored key is sent');

    await remember.uncheck();
    await frames(page);
    dump = await storageDump(page);
    assert.ok(!hasKeyAnywhere(dump.local, AUTH_KEY), `unticked: key gone from localStorage: ${JSON.stringify(dump.local)}`);
    assert.ok(!('chat-stream.v1.api_key.remember' in dump.local), 'unticked: no remember flag');
    assert.ok(!hasKeyAnywhere(dump.session, AUTH_KEY), 'unticked: in no web storage');
    assert.equal(await page.locator(sel('api-key')).inputValue(), AUTH_KEY, 'unticking keeps the key in the field');
    assert.ok(!page.url().includes(AUTH_KEY) && !dump.cookie.includes(AUTH_KEY), 'never in the URL or a cookie');

    await reloadApp(page);
    await openSettings(page);
    assert.equal(await page.locator(sel('api-key')).inputValue(), '', 'memory-only key: gone after a reload');
    assert.equal(await remember.isChecked(), false);
    dump = await storageDump(page);
    assert.ok(!hasKeyAnywhere(dump.local, AUTH_KEY), 'still not in localStorage after the reload');
  });
  await inPage(env.browser, `${t.name} (fresh context)`, async (page) => {
    await openApp(page, env, { model: 'mock-auth' });
    await openSettings(page);
    assert.equal(await page.locator(sel('api-key')).inputValue(), '', 'a new browser has no key');
    const dump = await storageDump(page);
    assert.ok(!hasKeyAnywhere(dump.local, AUTH_KEY) && !hasKeyAnywhere(dump.session, AUTH_KEY));
  });
});

test('presets fill endpoint and model, with notes; custom endpoints show "Custom"', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page, probe) => {
    await openApp(page, env, { model: 'mock-echo' });
    await openSettings(page);
    const preset = page.locator(sel('preset'));
    const options = await preset.locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(options, ['', 'local', 'openai', 'anthropic', 'azure', 'openrouter', 'ollama', 'llama-cpp', 'vllm', 'lm-studio']);
    assert.equal(await preset.inputValue(), '', 'the mock endpoint is a custom one');

    const cases = [
      ['ollama', 'http://127.0.0.1:11434/v1', 'llama3.2', /ollama pull/],
      ['openai', 'https://api.openai.com/v1', 'gpt-4o-mini', /key/i],
      ['anthropic', 'https://api.anthropic.com/v1', 'claude-haiku-4-5', /anthropic-dangerous-direct-browser-access/],
      ['openrouter', 'https://openrouter.ai/api/v1', 'openai/gpt-4o-mini', /vendor\/model/],
      ['azure', 'https://YOUR-RESOURCE.openai.azure.com/openai/v1', 'gpt-4o-mini', /YOUR-RESOURCE/],
      ['local', 'http://127.0.0.1:8081/v1', 'gemma-3-270m', /llama-server/],
      ['llama-cpp', 'http://127.0.0.1:8080/v1', null, /CORS|origin/i],
      ['vllm', 'http://127.0.0.1:8000/v1', null, /vllm serve/],
      ['lm-studio', 'http://127.0.0.1:1234/v1', null, /CORS/],
    ];
    for (const [id, endpoint, model, notes] of cases) {
      await preset.selectOption(id);
      await waitInPage(page, (e) => document.querySelector('[data-testid="endpoint"]').value === e, endpoint, `endpoint of ${id}`);
      assert.equal(await page.locator(sel('endpoint')).inputValue(), endpoint, `${id}: endpoint`);
      if (model != null) assert.equal(await page.locator(sel('model')).inputValue(), model, `${id}: model`);
      assert.equal(await preset.inputValue(), id, `${id}: the select shows it`);
      assert.match(await optionalText(page, 'preset-notes') ?? '', notes, `${id}: notes`);
    }
    await setField(page, 'endpoint', `${env.mock.url}/v1`);
    await waitInPage(page, () => document.querySelector('[data-testid="preset"]').value === '', null, 'Custom again');
    assert.equal(await optionalText(page, 'preset-notes'), null, 'no notes for a custom endpoint');
    const stray = probe.requests.filter((r) => /:(11434|8080|8081|8000|1234)\/|openai|anthropic|openrouter|azure/.test(r));
    assert.deepEqual(stray, [], 'choosing a preset sends nothing');
  }));

test('list models: the picker lists the server\'s ids and sets the model; the key is sent', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    await openSettings(page);
    await page.locator(sel('list-models')).click();
    const picker = page.locator(sel('model-picker'));
    await picker.waitFor({ state: 'visible' });
    const ids = (await picker.locator('option').evaluateAll((os) => os.map((o) => o.value))).filter((v) => v !== '');
    assert.deepEqual(ids, SCENARIOS, 'the ids of GET /v1/models, in order');
    let gets = env.mock.log.filter((e) => e.method === 'GET' && e.path.endsWith('/models'));
    assert.equal(gets.length, 1);
    assert.equal(gets[0].path, '/v1/models');
    assert.equal(gets[0].authorization, null, 'no Authorization without a key');

    await picker.selectOption('mock-happy');
    await waitInPage(page, () => document.querySelector('[data-testid="model"]').value === 'mock-happy', null, 'model set from the picker');
    assert.equal(await sendAndWait(page, 'Picked'), 'done');
    const post = env.completions().at(-1);
    assert.equal(post.body.model, 'mock-happy');
    assert.equal(lastUserContent(post.body), 'Picked');
    assert.equal(await optionalText(page, 'message-assistant'), HAPPY_TEXT);

    await page.locator(sel('api-key')).fill('sk-listing');
    await page.locator(sel('list-models')).click();
    await until(() => env.mock.log.filter((e) => e.method === 'GET' && e.path.endsWith('/models')).length === 2,
      { timeout: 5_000, message: 'the second models request' });
    gets = env.mock.log.filter((e) => e.method === 'GET' && e.path.endsWith('/models'));
    assert.equal(gets[1].authorization, 'Bearer sk-listing', 'the key is sent as a Bearer token');
  }));

test('list models: a 401 shows models-error with the server\'s message; with the key it works', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo', endpoint: `${env.mock.url}/auth/v1` });
    await openSettings(page);
    await page.locator(sel('list-models')).click();
    await page.locator(sel('models-error')).waitFor({ state: 'visible' });
    const err = await optionalText(page, 'models-error');
    assert.match(err, /401/, `the status: ${err}`);
    assert.match(err, /Incorrect API key provided/, `the server's message: ${err}`);
    assert.ok(!/[{}]/.test(err), `no raw JSON: ${err}`);
    assert.equal(await page.locator(sel('model-picker')).count(), 0, 'no picker');

    await page.locator(sel('api-key')).fill(AUTH_KEY);
    await page.locator(sel('list-models')).click();
    await page.locator(sel('model-picker')).waitFor({ state: 'visible' });
    assert.equal(await page.locator(sel('models-error')).count(), 0, 'the error is cleared');
    const gets = env.mock.log.filter((e) => e.method === 'GET' && e.path === '/auth/v1/models');
    assert.deepEqual(gets.map((g) => g.status), [401, 200]);
  }));
