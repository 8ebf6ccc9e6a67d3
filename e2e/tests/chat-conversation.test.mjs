// The conversation: multi-turn request bodies, regenerate, edit and resend, stop then
// regenerate, error then regenerate, clear. Scenario mock-echo answers `Answer N: you said "…".`
// (N counts its requests since the test started), so every answer is known exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForState, waitForAssistantIncludes, waitForTurnEnd, sendAndWait,
  conversationView, controlOf, bodyMessages, allTexts, optionalText, chatState, delay, until, sel,
  TEST_TIMEOUT, openSettings,
} from '../helpers.mjs';
import { echoText, MIDSTREAM_ERROR_MESSAGE } from '../mock-server.mjs';

const env = useEnv();
const SYSTEM = 'You are terse.';
const user = (content) => ({ role: 'user', content });
const assistant = (content) => ({ role: 'assistant', content });

/** How many regenerate buttons there are, and whether the (only) one is in the last answer. */
async function regenerateButtons(page) {
  return page.evaluate(() => {
    const btns = [...document.querySelectorAll('[data-testid="regenerate"]')];
    const answers = [...document.querySelectorAll('[data-testid="message-assistant"]')];
    const last = answers.at(-1)?.closest('[data-status]');
    return { count: btns.length, inLast: btns.length === 1 && !!last && last.contains(btns[0]) };
  });
}

test('three turns: each request carries the whole conversation, system prompt first', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo', params: { system: SYSTEM } });
    await openSettings(page);
    assert.equal(await page.locator(sel('system')).inputValue(), SYSTEM, 'system prompt prefilled from ?system=');
    const prompts = ['First question', 'Second question', 'Third question'];
    for (const p of prompts) assert.equal(await sendAndWait(page, p), 'done', `turn "${p}"`);

    const answers = prompts.map((p, i) => echoText(i + 1, p));
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: prompts[0] },
      { role: 'assistant', text: answers[0], status: 'complete', error: null },
      { role: 'user', text: prompts[1] },
      { role: 'assistant', text: answers[1], status: 'complete', error: null },
      { role: 'user', text: prompts[2] },
      { role: 'assistant', text: answers[2], status: 'complete', error: null },
    ]);
    const posts = env.completions();
    assert.equal(posts.length, 3, 'one request per turn');
    assert.deepEqual(bodyMessages(posts[0]), [{ role: 'system', content: SYSTEM }, user(prompts[0])], 'request 1 messages');
    assert.deepEqual(bodyMessages(posts[1]), [
      { role: 'system', content: SYSTEM }, user(prompts[0]), assistant(answers[0]), user(prompts[1]),
    ], 'request 2 messages');
    assert.deepEqual(bodyMessages(posts[2]), [
      { role: 'system', content: SYSTEM }, user(prompts[0]), assistant(answers[0]), user(prompts[1]),
      assistant(answers[1]), user(prompts[2]),
    ], 'request 3 messages');
    for (const p of posts) {
      assert.equal(p.body.model, 'mock-echo');
      assert.equal(p.body.stream, true);
    }
    assert.deepEqual(await regenerateButtons(page), { count: 1, inLast: true }, 'regenerate only on the last answer');
    assert.equal(await page.locator(sel('empty')).count(), 0, 'no empty-state text once there are messages');
  }));

test('regenerate: same request as the replaced answer, one new POST, the old answer replaced', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    await sendAndWait(page, 'Q1');
    await sendAndWait(page, 'Q2');
    const before = await conversationView(page);
    assert.equal(before.at(-1).text, echoText(2, 'Q2'));

    await page.locator(sel('regenerate')).click();
    assert.equal(await waitForTurnEnd(page), 'done');
    await delay(300); // a duplicate request would have arrived by now
    const posts = env.completions();
    assert.equal(posts.length, 3, 'exactly one new POST for regenerate');
    assert.deepEqual(bodyMessages(posts[2]), bodyMessages(posts[1]),
      'the regenerate request equals the request of the answer it replaces (without the old answer)');
    assert.deepEqual(bodyMessages(posts[2]), [user('Q1'), assistant(echoText(1, 'Q1')), user('Q2')]);
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: 'Q1' },
      { role: 'assistant', text: echoText(1, 'Q1'), status: 'complete', error: null },
      { role: 'user', text: 'Q2' },
      { role: 'assistant', text: echoText(3, 'Q2'), status: 'complete', error: null },
    ], 'the old answer is replaced, not appended to');
    assert.deepEqual(await regenerateButtons(page), { count: 1, inLast: true });
  }));

test('regenerate is not offered while the answer streams', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    await sendAndWait(page, 'Q1');
    await sendPrompt(page, '[slow] count');
    await waitForAssistantIncludes(page, 'tick 1');
    const during = await page.evaluate(() => {
      const btns = [...document.querySelectorAll('[data-testid="regenerate"]')];
      return { enabled: btns.filter((b) => !b.disabled).length };
    });
    assert.equal(during.enabled, 0, 'no usable regenerate button while streaming');
    await page.locator(sel('stop')).click();
    assert.equal(await waitForTurnEnd(page), 'stopped');
  }));

test('edit and resend: Escape / Cancel keep everything; saving drops every later message and resends', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    for (const p of ['Q1', 'Q2', 'Q3']) await sendAndWait(page, p);
    const full = await conversationView(page);
    assert.equal(full.length, 6);

    // Escape cancels.
    await (await controlOf(page, 'message-user', 0, 'edit')).click();
    const input = page.locator(sel('edit-input'));
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.inputValue(), 'Q1', 'the editor starts with the message text');
    assert.ok(await input.evaluate((el) => el === document.activeElement), 'the editor has focus');
    await input.fill('never sent');
    await input.press('Escape');
    await input.waitFor({ state: 'detached' });
    assert.deepEqual(await conversationView(page), full, 'Escape changed nothing');
    assert.equal(await chatState(page), 'done', 'Escape in the editor did not change the chat state');

    // The Cancel button cancels.
    await (await controlOf(page, 'message-user', 1, 'edit')).click();
    await input.fill('never sent either');
    await page.locator(sel('edit-cancel')).click();
    await input.waitFor({ state: 'detached' });
    assert.deepEqual(await conversationView(page), full, 'Cancel changed nothing');
    assert.equal(env.completions().length, 3, 'no request from cancelled edits');

    // Enter saves the 2nd message: the 3rd turn and the old 2nd answer are gone.
    await (await controlOf(page, 'message-user', 1, 'edit')).click();
    assert.equal(await input.inputValue(), 'Q2');
    await input.fill('Q2 edited');
    await input.press('Enter');
    assert.equal(await waitForTurnEnd(page), 'done');
    let posts = env.completions();
    assert.equal(posts.length, 4, 'one request for the edit');
    assert.deepEqual(bodyMessages(posts[3]), [user('Q1'), assistant(echoText(1, 'Q1')), user('Q2 edited')],
      'the body ends with the edited text and holds nothing that came after it');
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: 'Q1' },
      { role: 'assistant', text: echoText(1, 'Q1'), status: 'complete', error: null },
      { role: 'user', text: 'Q2 edited' },
      { role: 'assistant', text: echoText(4, 'Q2 edited'), status: 'complete', error: null },
    ]);

    // The save button on the first message: everything after it goes.
    await (await controlOf(page, 'message-user', 0, 'edit')).click();
    await input.fill('Q1 edited');
    await page.locator(sel('edit-save')).click();
    assert.equal(await waitForTurnEnd(page), 'done');
    posts = env.completions();
    assert.equal(posts.length, 5);
    assert.deepEqual(bodyMessages(posts[4]), [user('Q1 edited')]);
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: 'Q1 edited' },
      { role: 'assistant', text: echoText(5, 'Q1 edited'), status: 'complete', error: null },
    ]);
  }));

test('stop then regenerate: the partial answer is kept as stopped, then replaced', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    const prompt = '[slow-once] count';
    await sendPrompt(page, prompt);
    await waitForAssistantIncludes(page, 'tick 2');
    const live = await conversationView(page);
    assert.equal(live.at(-1).status, 'live', 'the answer being streamed has data-status=live');
    assert.deepEqual(await regenerateButtons(page), { count: 0, inLast: false }, 'no regenerate while streaming');
    await page.locator(sel('stop')).click();
    assert.equal(await waitForTurnEnd(page), 'stopped');
    const stopped = await conversationView(page);
    assert.equal(stopped.length, 2);
    assert.equal(stopped[1].status, 'stopped', 'the partial answer is marked stopped');
    assert.ok(stopped[1].text.startsWith('tick 0 tick 1 tick 2'), `partial text kept: ${JSON.stringify(stopped[1].text)}`);
    await until(() => env.completions()[0]?.aborted, { timeout: 2_000, message: 'the mock to see the abort' });

    await page.locator(sel('regenerate')).click();
    assert.equal(await waitForTurnEnd(page), 'done');
    const posts = env.completions();
    assert.equal(posts.length, 2, 'one new request');
    assert.deepEqual(bodyMessages(posts[1]), [user(prompt)], 'the stopped partial answer is not sent back');
    assert.deepEqual(bodyMessages(posts[1]), bodyMessages(posts[0]));
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: prompt },
      { role: 'assistant', text: echoText(2, prompt), status: 'complete', error: null },
    ], 'the stopped answer was replaced');
    assert.equal(await page.locator(sel('stopped')).count(), 0, 'no "stopped" notice after the new answer');
  }));

test('error then regenerate: the failed answer keeps its error, then is replaced', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    const prompt = '[error-once] explain';
    assert.equal(await sendAndWait(page, prompt), 'error');
    const failed = await conversationView(page);
    assert.equal(failed.length, 2);
    assert.equal(failed[1].status, 'failed');
    assert.ok(['Partial answer ', 'Partial answer'].includes(failed[1].text), `partial text: ${JSON.stringify(failed[1].text)}`);
    // The turn's error is shown once, in its answer's bubble.
    const notice = await optionalText(page, 'error');
    assert.ok(notice && notice.includes(MIDSTREAM_ERROR_MESSAGE),
      `the error keeps the server's message: ${JSON.stringify(notice)}`);
    assert.equal(failed[1].error, notice, 'the error is the one inside the failed message');
    assert.equal(await page.locator(`${sel('assistant-turn')} ${sel('error')}`).count(), 1, 'in the bubble');
    assert.equal(await page.locator(sel('error')).count(), 1, 'shown once');
    assert.deepEqual(await regenerateButtons(page), { count: 1, inLast: true }, 'regenerate offered on the failed answer');

    await page.locator(sel('regenerate')).click();
    assert.equal(await waitForTurnEnd(page), 'done');
    const posts = env.completions();
    assert.equal(posts.length, 2);
    assert.deepEqual(bodyMessages(posts[1]), [user(prompt)], 'the failed partial answer is not sent back');
    assert.deepEqual(await conversationView(page), [
      { role: 'user', text: prompt },
      { role: 'assistant', text: echoText(2, prompt), status: 'complete', error: null },
    ]);
    const err = await optionalText(page, 'error');
    assert.ok(err == null || err.trim() === '', `the turn error is cleared: ${JSON.stringify(err)}`);
  }));

test('clear empties the conversation and shows the empty state', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-echo' });
    assert.equal(await page.locator(sel('empty')).count(), 1, 'empty state before the first message');
    assert.ok((await optionalText(page, 'empty')).trim().length > 0, 'the empty state says something');
    await sendAndWait(page, 'Q1');
    await page.locator(sel('clear')).click();
    await page.locator(sel('empty')).waitFor({ state: 'visible' });
    assert.deepEqual(await conversationView(page), []);
    assert.equal((await allTexts(page, 'message-user')).length, 0);
    await sendAndWait(page, 'After clear');
    const posts = env.completions();
    assert.deepEqual(bodyMessages(posts[1]), [user('After clear')], 'the cleared messages are not sent');
  }));
