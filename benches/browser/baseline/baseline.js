// The baseline of the browser streaming benchmark: what a careful web developer writes instead of
// the app. fetch + ReadableStream + TextDecoder + eventsource-parser + JSON.parse, appending the
// answer as plain text. Same page contract as the app for the benchmark runner:
// `[data-testid=chat]` has `data-state` = idle|waiting|streaming|done|stopped|error; `send`,
// `stop`, `clear`, `prompt`, `message-user`, `message-assistant` test ids; the page URL prefills
// `endpoint`, `model`, `prompt`, `api_key` is never in the URL.
//
// The care taken with the DOM (the part that matters for a long, fast stream):
// - Network reads only decode, parse and append the delta text to a pending string; the DOM is
//   written at most once per animation frame, in one requestAnimationFrame callback that flushes
//   everything pending (the first token is therefore painted in the very next frame).
// - Text goes into Text nodes with `appendData`, never `textContent +=` / `innerHTML +=` (no
//   re-serialising or re-parsing what is already on screen).
// - A blank line in the answer starts a new <p>, and a block is also cut at the next line break
//   once it is 4 KB long, so no Text node or inline formatting context grows with the answer:
//   the layout of a frame only touches the last block. Trailing line breaks are held back until
//   the next text shows whether they end a paragraph ("\n" + "\n" split across two reads).
// - State changes (data-state, buttons, aria-busy) are written in the same frame callback as the
//   text.
// - Scrolling follows the answer only while the reader is at the bottom: "at the bottom" is read
//   at the start of the frame callback, before writing, when layout is still clean (no forced
//   layout); scrollTop is set after writing (one layout, which the frame needs anyway).

import { createParser } from '../../../node_modules/eventsource-parser/dist/index.js';

const $ = (id) => document.getElementById(id);
const chat = document.querySelector('[data-testid="chat"]');
const log = $('log');
const promptBox = $('prompt');
const sendBtn = $('send');
const stopBtn = $('stop');
const clearBtn = $('clear');
const errorBox = $('error');

const params = new URLSearchParams(location.search);
const settings = {
  endpoint: (params.get('endpoint') || 'http://127.0.0.1:8080/v1').replace(/\/+$/, ''),
  model: params.get('model') || 'gpt-4o-mini',
  apiKey: '',
};
promptBox.value = params.get('prompt') || '';

const BLOCK_SOFT_LIMIT = 4096;
const messages = [];
let controller = null;

// Render state of the answer being streamed.
let pending = ''; // text received but not yet on screen
let carry = ''; // trailing line breaks held back until we know whether a paragraph ends there
let pendingState = null; // a data-state to write with the next frame
let frameRequested = false;
let answerEl = null; // .msg--assistant
let block = null; // the current <p>
let blockText = null; // its Text node
let blockLen = 0;

function setState(state) {
  chat.dataset.state = state;
  const busy = state === 'waiting' || state === 'streaming';
  sendBtn.disabled = busy;
  clearBtn.disabled = busy;
  stopBtn.disabled = !busy;
  log.setAttribute('aria-busy', String(busy));
}

function newBlock() {
  block = document.createElement('p');
  blockText = document.createTextNode('');
  block.append(blockText);
  answerEl.append(block);
  blockLen = 0;
}

/** Appends `text` to the answer, starting a new block at blank lines (and in very long blocks). */
function writeText(text) {
  let start = 0;
  while (start < text.length) {
    const para = text.indexOf('\n\n', start);
    let end = para === -1 ? text.length : para;
    if (blockLen + (end - start) > BLOCK_SOFT_LIMIT) {
      const nl = text.indexOf('\n', start);
      if (nl !== -1 && nl < end) end = nl;
    }
    if (end > start) {
      if (!block) newBlock();
      blockText.appendData(text.slice(start, end));
      blockLen += end - start;
    }
    if (end === text.length) break;
    // A paragraph break (or a cut line break): the next text goes into a new block.
    start = end + (text.startsWith('\n\n', end) ? 2 : 1);
    while (text[start] === '\n') start++; // more blank lines: nothing to show
    block = null;
  }
}

function flush() {
  frameRequested = false;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight <= 4;
  if (pending) {
    let text = carry + pending;
    pending = '';
    const nl = /\n+$/.exec(text);
    carry = nl ? nl[0] : '';
    if (nl) text = text.slice(0, nl.index);
    writeText(text);
  }
  if (pendingState) {
    setState(pendingState);
    pendingState = null;
  }
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function scheduleFlush() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(flush);
  }
}

function addMessage(role, text) {
  const el = document.createElement('div');
  el.className = `msg msg--${role}`;
  el.dataset.testid = `message-${role}`;
  if (text) el.textContent = text;
  log.append(el);
  log.scrollTop = log.scrollHeight;
  return el;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function send() {
  const prompt = promptBox.value;
  if (!prompt.trim() || controller) return;
  errorBox.hidden = true;
  messages.push({ role: 'user', content: prompt });
  addMessage('user', prompt);
  answerEl = addMessage('assistant', '');
  block = blockText = null;
  carry = '';
  setState('waiting');

  controller = new AbortController();
  const { signal } = controller;
  let answer = '';
  let finished = false; // [DONE] or finish_reason seen
  const headers = { 'Content-Type': 'application/json' };
  if (settings.apiKey) headers.Authorization = `Bearer ${settings.apiKey}`;
  try {
    const res = await fetch(`${settings.endpoint}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: settings.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal,
    });
    if (!res.ok) {
      const body = await res.text();
      let message = body.slice(0, 500);
      try {
        message = JSON.parse(body).error?.message ?? message;
      } catch {}
      throw new Error(`HTTP ${res.status}: ${message}`);
    }

    let serverError = null;
    const parser = createParser({
      onEvent(event) {
        if (finished) return;
        if (event.data === '[DONE]') {
          finished = true;
          return;
        }
        const chunk = JSON.parse(event.data);
        if (chunk.error) {
          serverError = chunk.error.message || 'the server reported an error';
          finished = true;
          return;
        }
        const choice = chunk.choices && chunk.choices[0];
        const content = choice && choice.delta && choice.delta.content;
        if (content) {
          if (answer === '') pendingState = 'streaming';
          answer += content;
          pending += content;
          scheduleFlush();
        }
      },
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        parser.feed(decoder.decode());
        break;
      }
      parser.feed(decoder.decode(value, { stream: true }));
      if (finished) {
        reader.cancel().catch(() => {});
        break;
      }
    }
    if (serverError) throw new Error(serverError);
    if (!finished) throw new Error('incomplete response: the stream ended before [DONE]');
    messages.push({ role: 'assistant', content: answer });
    pendingState = 'done';
  } catch (err) {
    if (signal.aborted) {
      pendingState = 'stopped';
    } else {
      showError(String(err.message || err));
      pendingState = 'error';
    }
    if (answer) messages.push({ role: 'assistant', content: answer });
  } finally {
    controller = null;
    scheduleFlush();
  }
}

$('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  send();
});
promptBox.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    send();
  }
});
stopBtn.addEventListener('click', () => controller && controller.abort());
clearBtn.addEventListener('click', () => {
  if (controller) return;
  messages.length = 0;
  log.replaceChildren();
  answerEl = block = blockText = null;
  pending = carry = '';
  errorBox.hidden = true;
  setState('idle');
});
setState('idle');
