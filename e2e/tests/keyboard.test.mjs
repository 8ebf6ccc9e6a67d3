// (i) Enter sends; Shift+Enter inserts a newline and does not send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, waitForState, assistantText, allTexts, chatState, lastUserContent, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { HAPPY_TEXT } from '../mock-server.mjs';

const env = useEnv();

test('Shift+Enter inserts a newline; Enter sends the whole prompt', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-happy', stream: true });
    const prompt = page.locator(sel('prompt'));
    await prompt.fill(''); // the app may prefill an example prompt
    await prompt.click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    assert.equal(await prompt.inputValue(), 'line one\nline two', 'Shift+Enter inserted a newline');
    assert.equal(await chatState(page), 'idle', 'Shift+Enter did not send');
    assert.equal((await allTexts(page, 'message-user')).length, 0, 'no user message yet');
    assert.equal(env.completions().length, 0, 'no request yet');

    await page.keyboard.press('Enter');
    assert.equal(await waitForState(page, ['done', 'error', 'stopped']), 'done');
    assert.equal(await assistantText(page), HAPPY_TEXT);
    const posts = env.completions();
    assert.equal(posts.length, 1, 'Enter sent exactly one request');
    assert.equal(lastUserContent(posts[0].body), 'line one\nline two', 'the request carries both lines');
    const users = await allTexts(page, 'message-user');
    assert.equal(users.length, 1);
    assert.ok(users[0].includes('line one') && users[0].includes('line two'), `user message: ${JSON.stringify(users[0])}`);
    assert.ok(!(await prompt.inputValue()).endsWith('\n'), 'Enter did not also insert a newline');
  }));
