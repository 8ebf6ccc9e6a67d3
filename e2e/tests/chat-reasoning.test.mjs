// Reasoning: `<think>…</think>` at the start of content, `delta.reasoning_content`
// (DeepSeek, vLLM, llama.cpp) and `delta.reasoning` (OpenRouter) go to a collapsed "thinking"
// <details>, never into the answer; an answer with reasoning but no text says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendAndWait, bodyMessages, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import {
  THINK_REASONING, THINK_ANSWER, REASONING_TEXT, ANSWER_AFTER_REASONING,
} from '../mock-server.mjs';

const env = useEnv();

async function reasoningView(page) {
  return page.evaluate(() => {
    const answers = [...document.querySelectorAll('[data-testid="message-assistant"]')];
    const art = answers.at(-1)?.closest('[data-status]');
    const th = art?.querySelector('[data-testid="thinking"]');
    const tt = art?.querySelector('[data-testid="thinking-text"]');
    const note = art?.querySelector('[data-testid="reasoning-only"]');
    return {
      answer: answers.at(-1)?.textContent ?? null,
      status: art?.getAttribute('data-status') ?? null,
      thinkingTag: th ? th.tagName : null,
      open: th ? th.open : null,
      thinkingText: tt ? tt.textContent : null,
      thinkingInside: !!(th && tt && th.contains(tt)),
      // checkVisibility(): false inside a closed <details> (its content is content-visibility: hidden).
      thinkingVisible: tt ? tt.checkVisibility({ visibilityProperty: true, opacityProperty: true }) : null,
      note: note ? note.textContent : null,
    };
  });
}

for (const [model, what, reasoning, answer] of [
  ['mock-think', '<think> tags in content (split across deltas)', THINK_REASONING, THINK_ANSWER],
  ['mock-reasoning', 'delta.reasoning_content', REASONING_TEXT, ANSWER_AFTER_REASONING],
  ['mock-reasoning-alt', 'delta.reasoning', REASONING_TEXT, ANSWER_AFTER_REASONING],
]) {
  test(`reasoning from ${what}: collapsed thinking section, never in the answer`, { timeout: TEST_TIMEOUT }, (t) =>
    env.withPage(t, async (page) => {
      await openApp(page, env, { model });
      assert.equal(await sendAndWait(page, 'Why?'), 'done');
      const v = await reasoningView(page);
      assert.equal(v.answer, answer, 'the answer holds only the answer text');
      assert.ok(!v.answer.includes('think') && !v.answer.includes(reasoning.slice(0, 10)), 'no reasoning or tag in the answer');
      assert.equal(v.thinkingTag, 'DETAILS', 'thinking is a <details>');
      assert.equal(v.open, false, 'collapsed by default');
      assert.equal(v.thinkingInside, true, 'thinking-text inside the thinking section');
      assert.equal(v.thinkingText.trim(), reasoning, 'the reasoning text');
      assert.equal(v.thinkingVisible, false, 'reasoning hidden while collapsed');
      assert.equal(v.note, null, 'no reasoning-only note when there is an answer');
      assert.equal(v.status, 'complete');

      await page.locator(`${sel('thinking')} summary`).click();
      const opened = await reasoningView(page);
      assert.equal(opened.open, true);
      assert.equal(opened.thinkingVisible, true, 'reasoning shown once opened');

      // The next request sends back the answer only: no reasoning, no tags.
      assert.equal(await sendAndWait(page, 'And then?'), 'done');
      const posts = env.completions();
      assert.equal(posts.length, 2);
      assert.deepEqual(bodyMessages(posts[1]), [
        { role: 'user', content: 'Why?' },
        { role: 'assistant', content: answer },
        { role: 'user', content: 'And then?' },
      ], 'the history sent back has no reasoning');
    }));
}

test('reasoning only: the answer is empty and a note says so', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-reasoning-only' });
    assert.equal(await sendAndWait(page, 'Think only'), 'done');
    const v = await reasoningView(page);
    assert.equal(v.answer, '', 'no answer text');
    assert.equal(v.thinkingTag, 'DETAILS');
    assert.equal(v.open, false);
    assert.equal(v.thinkingText.trim(), REASONING_TEXT);
    assert.ok(v.note && v.note.trim().length > 0, `a reasoning-only note: ${JSON.stringify(v.note)}`);
    assert.ok(await page.locator(sel('reasoning-only')).isVisible(), 'the note is visible');
  }));
