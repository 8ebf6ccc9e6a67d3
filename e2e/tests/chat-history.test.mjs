// History: the open conversation survives a reload (texts, statuses, errors), a reload
// mid-stream keeps the partial answer as stopped; conversations are listed, opened, renamed and
// deleted; export then import into a fresh browser restores them; bad files change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import {
  useEnv, inPage, openApp, sendPrompt, waitForAssistantIncludes, sendAndWait, conversationView,
  storageDump, reloadApp, waitInPage, optionalText, until, delay, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { echoText, MIDSTREAM_ERROR_MESSAGE } from '../mock-server.mjs';

const env = useEnv();
const CONV_PREFIX = 'chat-stream.v1.conv.';

async function conversationList(page) {
  return page.locator(sel('conversation')).evaluateAll((els) =>
    els.map((e) => ({
      id: e.getAttribute('data-id'),
      active: e.getAttribute('data-active'),
      title: e.querySelector('[data-testid="conversation-open"]')?.textContent.trim() ?? null,
    })));
}

const savedConversations = (dump) =>
  Object.fromEntries(Object.entries(dump.local).filter(([k]) => k.startsWith(CONV_PREFIX)).map(([k, v]) => [k.slice(CONV_PREFIX.length), JSON.parse(v)]));

async function waitForListLength(page, n) {
  await waitInPage(page, (n) => document.querySelectorAll('[data-testid="conversation"]').length === n, n, `${n} conversation items`);
}

test('history survives a reload: same messages, same statuses, same errors', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Hello there'), 'done');
    assert.equal(await sendAndWait(page, '[error] please'), 'error');
    await sendPrompt(page, '[slow] count');
    await waitForAssistantIncludes(page, 'tick 1');
    await page.locator(sel('stop')).click();
    await waitInPage(page, () => document.querySelector('[data-testid="chat"]')?.getAttribute('data-state') === 'stopped', null, 'stopped');
    await delay(100);
    const before = await conversationView(page);
    assert.deepEqual(before.map((m) => [m.role, m.status ?? null]), [
      ['user', null], ['assistant', 'complete'], ['user', null], ['assistant', 'failed'], ['user', null], ['assistant', 'stopped'],
    ]);
    assert.ok(before[3].error?.includes(MIDSTREAM_ERROR_MESSAGE), `failed answer keeps its error: ${JSON.stringify(before[3].error)}`);

    // What is stored.
    const dump = await storageDump(page);
    const current = dump.local['chat-stream.v1.current'];
    assert.ok(current, `chat-stream.v1.current is set: ${JSON.stringify(Object.keys(dump.local))}`);
    const saved = savedConversations(dump)[current];
    assert.ok(saved, `chat-stream.v1.conv.${current} exists`);
    assert.deepEqual(saved.messages.map((m) => [m.role, m.status ?? 'complete']), [
      ['user', 'complete'], ['assistant', 'complete'], ['user', 'complete'], ['assistant', 'failed'], ['user', 'complete'], ['assistant', 'stopped'],
    ], 'saved roles and statuses');
    assert.equal(saved.messages[1].content, echoText(1, 'Hello there'));
    assert.equal(saved.messages[0].content, 'Hello there');
    assert.ok(saved.messages[3].error?.includes(MIDSTREAM_ERROR_MESSAGE), 'saved error text');

    await reloadApp(page);
    await waitInPage(page, () => document.querySelectorAll('[data-testid="message-assistant"]').length === 3, null, 'restored messages');
    const after = await conversationView(page);
    assert.deepEqual(after, before, 'the same conversation after the reload');
    assert.equal(env.completions().length, 3, 'nothing re-sent on reload');
    const list = await conversationList(page);
    assert.equal(list.length, 1);
    assert.deepEqual(list[0], { id: current, active: 'true', title: 'Hello there' });

    // The restored conversation goes on: the next request carries it (answers only, in order).
    assert.equal(await sendAndWait(page, 'Next'), 'done');
    const last = env.completions().at(-1);
    assert.deepEqual(last.body.messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
    assert.equal(last.body.messages[1].content, echoText(1, 'Hello there'));
  }));

test('a reload mid-stream keeps the partial answer, marked stopped', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    await sendPrompt(page, '[slow] go');
    await waitForAssistantIncludes(page, 'tick 3');
    const partial = (await conversationView(page)).at(-1).text;
    await reloadApp(page);
    await waitInPage(page, () => document.querySelectorAll('[data-testid="message-assistant"]').length === 1, null, 'the restored answer');
    const after = await conversationView(page);
    assert.equal(after.length, 2);
    assert.deepEqual(after[0], { role: 'user', text: '[slow] go' });
    assert.equal(after[1].status, 'stopped', 'the partial answer is marked stopped');
    assert.ok(after[1].text.startsWith(partial), `kept at least what was shown before the reload: ${JSON.stringify(partial)} → ${JSON.stringify(after[1].text)}`);
    assert.ok(/^(tick \d+ )+$/.test(after[1].text) || /^(tick \d+ )*tick \d+$/.test(after[1].text), `only ticks: ${JSON.stringify(after[1].text)}`);
    assert.equal(await page.locator(sel('chat')).getAttribute('data-state'), 'idle', 'nothing runs after the reload');
    await until(() => env.completions()[0]?.aborted, { timeout: 2_000, message: 'the old request to be closed' });
    await delay(300);
    assert.equal(env.completions().length, 1, 'nothing re-sent');
  }));

test('conversations: list, new chat, open, rename, delete (with undo), clear keeps the saved one', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.ok(await page.locator(sel('history')).isVisible(), 'the history is a sidebar, visible at once');
    assert.deepEqual(await conversationList(page), [], 'no conversations yet');
    for (const [i, q] of ['Alpha question', 'Beta question', 'Gamma question'].entries()) {
      if (i > 0) {
        await page.locator(sel('new-chat')).click();
        await page.locator(sel('empty')).waitFor({ state: 'visible' });
        assert.deepEqual(await conversationView(page), [], 'new chat: empty screen');
      }
      assert.equal(await sendAndWait(page, q), 'done');
    }
    await waitForListLength(page, 3);
    let list = await conversationList(page);
    assert.deepEqual(list.map((c) => c.title), ['Gamma question', 'Beta question', 'Alpha question'], 'newest first, titled by the first message');
    assert.deepEqual(list.map((c) => c.active), ['true', 'false', 'false'], 'the open one is active');
    const ids = Object.fromEntries(list.map((c) => [c.title.split(' ')[0], c.id]));
    assert.equal(new Set(Object.values(ids)).size, 3, 'distinct ids');

    // Open Alpha.
    await page.locator(`${sel('conversation')}[data-id="${ids.Alpha}"] ${sel('conversation-open')}`).click();
    await waitInPage(page, (t) => document.querySelector('[data-testid="message-user"]')?.textContent === t, 'Alpha question', 'Alpha opened');
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: 'Alpha question' },
      { role: 'assistant', text: echoText(1, 'Alpha question'), status: 'complete', error: null },
    ]);
    list = await conversationList(page);
    assert.equal(list.find((c) => c.id === ids.Alpha).active, 'true');
    assert.equal(list.filter((c) => c.active === 'true').length, 1, 'one active conversation');

    // Rename Beta (Enter saves).
    await page.locator(`${sel('conversation')}[data-id="${ids.Beta}"] ${sel('conversation-rename')}`).click();
    const title = page.locator(sel('conversation-title-input'));
    assert.equal(await title.inputValue(), 'Beta question', 'the rename field starts with the title');
    await title.fill('Renamed beta');
    await title.press('Enter');
    await waitInPage(page, (id) => document.querySelector(`[data-testid="conversation"][data-id="${id}"] [data-testid="conversation-open"]`)?.textContent.trim() === 'Renamed beta', ids.Beta, 'the new title');
    const stored = savedConversations(await storageDump(page))[ids.Beta];
    assert.equal(stored.title, 'Renamed beta');
    assert.equal(stored.title_set_by_user, true);
    assert.deepEqual(await conversationView(page).then((v) => v[0].text), 'Alpha question', 'renaming another one does not open it');

    // Delete Gamma (not open): Alpha stays on screen; Undo brings Gamma back.
    await page.locator(`${sel('conversation')}[data-id="${ids.Gamma}"] ${sel('conversation-delete')}`).click();
    await waitForListLength(page, 2);
    assert.equal((await conversationView(page))[0].text, 'Alpha question');
    let dump = await storageDump(page);
    assert.ok(!(`${CONV_PREFIX}${ids.Gamma}` in dump.local), 'Gamma removed from storage');
    assert.match(await page.locator(sel('undo-bar')).textContent(), /Deleted “Gamma question”/);
    await page.locator(sel('undo')).click();
    await waitForListLength(page, 3);
    dump = await storageDump(page);
    assert.ok(`${CONV_PREFIX}${ids.Gamma}` in dump.local, 'Undo puts Gamma back in storage');
    assert.equal((await conversationView(page))[0].text, 'Alpha question', 'undoing does not open it');
    await page.locator(`${sel('conversation')}[data-id="${ids.Gamma}"] ${sel('conversation-delete')}`).click();
    await waitForListLength(page, 2);

    // Reload: titles kept, Alpha still open.
    await reloadApp(page);
    await waitForListLength(page, 2);
    list = await conversationList(page);
    assert.deepEqual(list.map((c) => c.title).sort(), ['Alpha question', 'Renamed beta']);
    assert.equal(list.find((c) => c.id === ids.Alpha).active, 'true');
    assert.equal((await conversationView(page))[0]?.text, 'Alpha question');

    // Switch between two restored conversations: each shows its own messages.
    await page.locator(`${sel('conversation')}[data-id="${ids.Beta}"] ${sel('conversation-open')}`).click();
    await waitInPage(page, (id) => document.querySelector(`[data-testid="conversation"][data-id="${id}"]`)?.getAttribute('data-active') === 'true', ids.Beta, 'Beta active');
    await page.waitForTimeout(100);
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: 'Beta question' },
      { role: 'assistant', text: echoText(2, 'Beta question'), status: 'complete', error: null },
    ], 'Beta opened after Alpha shows Beta\'s messages');
    await page.locator(`${sel('conversation')}[data-id="${ids.Alpha}"] ${sel('conversation-open')}`).click();
    await waitInPage(page, (id) => document.querySelector(`[data-testid="conversation"][data-id="${id}"]`)?.getAttribute('data-active') === 'true', ids.Alpha, 'Alpha active');
    await page.waitForTimeout(100);
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: 'Alpha question' },
      { role: 'assistant', text: echoText(1, 'Alpha question'), status: 'complete', error: null },
    ], 'Alpha opened again shows Alpha\'s messages');

    // Delete the open one: the screen empties.
    await page.locator(`${sel('conversation')}[data-id="${ids.Alpha}"] ${sel('conversation-delete')}`).click();
    await waitForListLength(page, 1);
    await page.locator(sel('empty')).waitFor({ state: 'visible' });
    assert.deepEqual(await conversationView(page), []);

    // Undo of deleting the open one reopens it.
    await page.locator(sel('undo')).click();
    await waitForListLength(page, 2);
    await waitInPage(page, () => document.querySelector('[data-testid="message-user"]')?.textContent === 'Alpha question', null, 'Alpha reopened by Undo');

    // Clear: open Beta, clear: a new empty chat starts, Beta stays in the list and storage.
    await page.locator(`${sel('conversation')}[data-id="${ids.Beta}"] ${sel('conversation-open')}`).click();
    await waitInPage(page, (id) => document.querySelector(`[data-testid="conversation"][data-id="${id}"]`)?.getAttribute('data-active') === 'true', ids.Beta, 'Beta opened');
    await page.locator(sel('clear')).click();
    await page.locator(sel('empty')).waitFor({ state: 'visible' });
    await page.waitForTimeout(200);
    list = await conversationList(page);
    assert.deepEqual(list.map((c) => c.id).sort(), [ids.Alpha, ids.Beta].sort(), 'Clear deletes nothing');
    assert.ok(list.every((c) => c.active === 'false'), 'the new chat is not one of them');
    dump = await storageDump(page);
    assert.deepEqual(Object.keys(savedConversations(dump)).sort(), [ids.Alpha, ids.Beta].sort(), 'both still in storage');
    // Its Undo goes back to Beta.
    await page.locator(sel('undo')).click();
    await waitInPage(page, (id) => document.querySelector(`[data-testid="conversation"][data-id="${id}"]`)?.getAttribute('data-active') === 'true', ids.Beta, 'Beta reopened');
  }));

test('export, then import into a fresh browser, restores the conversations', { timeout: TEST_TIMEOUT }, async (t) => {
  let file;
  let exported;
  await env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'First chat'), 'done');
    assert.equal(await sendAndWait(page, 'Follow-up'), 'done');
    await page.locator(sel('new-chat')).click();
    assert.equal(await sendAndWait(page, '[error] second chat'), 'error');
    await waitForListLength(page, 2);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(sel('export')).click()]);
    assert.equal(download.suggestedFilename(), 'chat-stream-history.json');
    file = await fsp.readFile(await download.path(), 'utf8');
    await waitInPage(page, () => document.querySelector('[data-testid="history-status"]'), null, 'history-status');
    assert.match(await optionalText(page, 'history-status'), /Exported 2 conversation/);
  });
  exported = JSON.parse(file);
  assert.equal(exported.format, 'chat-stream.history');
  assert.equal(exported.version, 2);
  assert.equal(typeof exported.exported_at, 'number');
  assert.equal(exported.conversations.length, 2);
  for (const c of exported.conversations) {
    assert.deepEqual(Object.keys(c).sort(), ['created_at', 'id', 'messages', 'title', 'title_set_by_user', 'updated_at']);
  }
  const first = exported.conversations.find((c) => c.title === 'First chat');
  const second = exported.conversations.find((c) => c.title === '[error] second chat');
  assert.ok(first && second, `titles: ${exported.conversations.map((c) => c.title)}`);
  assert.deepEqual(first.messages.map(({ role, content }) => ({ role, content })), [
    { role: 'user', content: 'First chat' },
    { role: 'assistant', content: echoText(1, 'First chat') },
    { role: 'user', content: 'Follow-up' },
    { role: 'assistant', content: echoText(2, 'Follow-up') },
  ]);
  assert.deepEqual(first.messages.map((m) => Object.keys(m).sort().join(',')), [
    'content,role', 'content,finish_reason,role,stats', 'content,role', 'content,finish_reason,role,stats',
  ], 'prompts carry role and content; complete answers also their finish reason and figures');
  for (const m of first.messages.filter((m) => m.role === 'assistant')) {
    assert.equal(m.finish_reason, 'stop');
    assert.equal(m.stats.streaming, true);
    assert.ok(m.stats.first_token_ms > 0 && m.stats.total_ms >= m.stats.first_token_ms, JSON.stringify(m.stats));
    assert.ok(m.stats.chunks > 0 && m.stats.log.length === Math.min(m.stats.chunks, 120));
  }
  assert.equal(second.messages.length, 2);
  assert.deepEqual(second.messages[0], { role: 'user', content: '[error] second chat' });
  assert.equal(second.messages[1].role, 'assistant');
  assert.equal(second.messages[1].status, 'failed');
  assert.ok(['Partial answer ', 'Partial answer'].includes(second.messages[1].content));
  assert.ok(second.messages[1].error.includes(MIDSTREAM_ERROR_MESSAGE));

  // A fresh browser context: nothing saved; import the file.
  await inPage(env.browser, `${t.name} (import)`, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.deepEqual(await conversationList(page), [], 'fresh context: no conversations');
    const input = page.locator(sel('import'));
    assert.equal(await input.getAttribute('type'), 'file');
    await input.setInputFiles({ name: 'chat-stream-history.json', mimeType: 'application/json', buffer: Buffer.from(file) });
    await waitForListLength(page, 2);
    await waitInPage(page, () => document.querySelector('[data-testid="history-status"]'), null, 'history-status');
    assert.equal((await optionalText(page, 'history-status')).trim(), 'Imported 2 conversations.');
    const list = await conversationList(page);
    assert.deepEqual(list.map((c) => c.id).sort(), exported.conversations.map((c) => c.id).sort(), 'ids kept');
    assert.deepEqual(list.map((c) => c.title).sort(), ['First chat', '[error] second chat'].sort());

    await page.locator(`${sel('conversation')}[data-id="${first.id}"] ${sel('conversation-open')}`).click();
    await waitInPage(page, () => document.querySelectorAll('[data-testid="message-assistant"]').length === 2, null, 'First chat opened');
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: 'First chat' },
      { role: 'assistant', text: echoText(1, 'First chat'), status: 'complete', error: null },
      { role: 'user', text: 'Follow-up' },
      { role: 'assistant', text: echoText(2, 'Follow-up'), status: 'complete', error: null },
    ]);
    await page.locator(`${sel('conversation')}[data-id="${second.id}"] ${sel('conversation-open')}`).click();
    await waitInPage(page, () => document.querySelectorAll('[data-testid="message-assistant"]').length === 1, null, 'second chat opened');
    await page.waitForTimeout(100);
    const v = await conversationView(page);
    assert.deepEqual(v.map(({ role, text, status }) => ({ role, text, status })), [
      { role: 'user', text: '[error] second chat', status: undefined },
      { role: 'assistant', text: 'Partial answer', status: 'failed' }, // markdown drops the trailing space
    ], 'opening a second saved conversation shows its own messages');
    assert.ok(v[1].error?.includes(MIDSTREAM_ERROR_MESSAGE), 'the error came with the import');

    // The same file again adds nothing.
    await input.setInputFiles({ name: 'chat-stream-history.json', mimeType: 'application/json', buffer: Buffer.from(file) });
    await waitInPage(page, () => /already there/.test(document.querySelector('[data-testid="history-status"]')?.textContent || ''), null, 'second import status');
    assert.equal((await optionalText(page, 'history-status')).trim(), 'Imported 0 conversations; 2 were already there.');
    assert.equal((await conversationList(page)).length, 2);
  });
});

test('importing a bad file shows storage-error and changes nothing', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await sendAndWait(page, 'Keep me'), 'done');
    await waitForListLength(page, 1);
    const view = await conversationView(page);
    const list = await conversationList(page);
    const storage = (await storageDump(page)).local;
    const input = page.locator(sel('import'));
    const cases = [
      ['not JSON', 'this is { not json', /not valid JSON/i],
      ['wrong format', JSON.stringify({ format: 'something-else', version: 1, conversations: [] }), /not a chat-stream history.*something-else/i],
      ['no format', JSON.stringify([{ role: 'user', content: 'hi' }]), /not a chat-stream history/i],
      ['bad version', JSON.stringify({ format: 'chat-stream.history', version: 99, conversations: [] }), /version 99/],
    ];
    for (const [what, content, pattern] of cases) {
      // Every case has its own message: wait until the text changes from the previous one.
      const previous = await optionalText(page, 'storage-error');
      await input.setInputFiles({ name: `${what}.json`, mimeType: 'application/json', buffer: Buffer.from(content) });
      const text = await waitInPage(page, (prev) => {
        const el = document.querySelector('[data-testid="storage-error"]');
        return el && el.textContent !== prev ? el.textContent : null;
      }, previous, `a new storage-error for ${what}`);
      assert.match(text, pattern, what);
      assert.equal(await page.locator(sel('storage-error')).getAttribute('role'), 'alert', `${what}: role=alert`);
      assert.ok(await page.locator(sel('storage-error')).isVisible(), `${what}: visible`);
      assert.deepEqual(await conversationView(page), view, `${what}: the conversation on screen is unchanged`);
      assert.deepEqual(await conversationList(page), list, `${what}: the list is unchanged`);
      assert.deepEqual((await storageDump(page)).local, storage, `${what}: storage is unchanged`);
    }
  }));
