// deep-chat (npm `deep-chat`, its standalone bundle) connected to an OpenAI-compatible
// `/chat/completions` endpoint the way its documentation says to connect it to your own server:
// `connect: { url, stream: true }` (deep-chat reads the response as server-sent events with
// @microsoft/fetch-event-source and JSON-parses every event), a `requestInterceptor` that turns
// deep-chat's request body (`{ messages: [{ role: "user" | "ai", text }] }`) into a chat
// completions request, and a `responseInterceptor` that turns each `chat.completion.chunk` into
// deep-chat's `{ text }` (the delta; deep-chat appends it to the message and renders the whole
// message again as markdown). The page URL gives `endpoint` (…/v1), `model` and an optional
// `prompt` for the input box, like the app's page and the vanilla page.
//
// `connection=direct` in the page URL uses deep-chat's built-in OpenAI chat completions client
// instead: `directConnection: { openAI: { key, completions: { model } } }` with `connect.url`
// pointing it at the endpoint (deep-chat lets `connect.url` override a direct service's URL, as
// its documentation shows for Ollama and Open WebUI). deep-chat documents `directConnection` for
// prototyping only (the key is in the page), so `connect` is the default.

import '../../../node_modules/deep-chat/dist/deepChat.bundle.js';

const params = new URLSearchParams(location.search);
const endpoint = (params.get('endpoint') || 'http://127.0.0.1:8080/v1').replace(/\/+$/, '');
const model = params.get('model') || 'gpt-4o-mini';
const prompt = params.get('prompt');

const wrapper = document.getElementById('chat');
const setState = (s) => {
  if (wrapper.dataset.state !== s) wrapper.dataset.state = s;
};

const chat = document.createElement('deep-chat');
// Sized like the other pages' chats. A font family of its own also stops deep-chat from adding a
// Google Fonts stylesheet (Inter) to the page's <head>, which it does by default.
chat.setAttribute('style', 'width: 100%; height: calc(100vh - 64px); border-radius: 10px; font-family: system-ui, sans-serif');
// `stream: true`, not `{ partialRender: true }` (re-render only the paragraph after the last
// "\n\n"): with token-sized deltas that option splits paragraphs, because a token that starts a
// paragraph ("\n\nWord") is rendered into the previous part and the rest of the paragraph into a
// new block ("W" / "riter message…" on two lines).
chat.connect = { url: `${endpoint}/chat/completions`, stream: true };
const direct = params.get('connection') === 'direct';
if (direct) chat.directConnection = { openAI: { key: 'bench', completions: { model } } };
chat.requestInterceptor = (details) => {
  setState('waiting');
  if (direct) return details;
  details.body = {
    model,
    stream: true,
    messages: details.body.messages.map((m) => ({ role: m.role === 'ai' ? 'assistant' : m.role, content: m.text ?? '' })),
  };
  return details;
};
let streaming = false;
chat.responseInterceptor = (chunk) => {
  if (direct) {
    if (!streaming && chunk?.choices?.[0]?.delta?.content) {
      streaming = true;
      setState('streaming');
    }
    return chunk;
  }
  if (chunk?.error) return { error: chunk.error.message || 'the server reported an error' };
  const text = chunk?.choices?.[0]?.delta?.content ?? '';
  if (text && !streaming) {
    streaming = true;
    setState('streaming');
  }
  return { text };
};
chat.onMessage = ({ message, isHistory }) => {
  if (!isHistory && message.role === 'ai') {
    streaming = false;
    setState('done');
  }
};
chat.onError = () => {
  streaming = false;
  setState('error');
};
if (prompt) chat.defaultInput = { text: prompt };
chat.textInput = { placeholder: { text: 'Ask something…' } };
wrapper.prepend(chat);

document.querySelector('[data-testid="clear"]').addEventListener('click', () => {
  chat.clearMessages();
  streaming = false;
  setState('idle');
});
