// The three wire protocols chat-stream speaks, as the scripted servers write them: Chat
// Completions (`POST /v1/chat/completions`, `data:` chunks and `[DONE]`), OpenAI Responses
// (`POST /v1/responses`, typed `response.*` events ending with `response.completed` /
// `response.incomplete` / `response.failed`) and Anthropic Messages (`POST /v1/messages`,
// `message_start … content_block_* … message_delta, message_stop`, `ping`, `error`).
//
// A scenario is written once, as steps (start, text, reasoning, a tool call and its argument
// pieces, finish, done, errors), and `Wire` turns each step into the events of one protocol, so
// the mock and the hostile server mirror their scenarios in every protocol:
//
//   const wire = new Wire('anthropic', { id: 'msg_1', model: 'mock-happy' });
//   const events = [...wire.start(), ...wire.text('Hi'), ...wire.finish('stop'), ...wire.done()];
//
// Also here: each protocol's non-streaming body (`wholeBody`), its HTTP error envelope
// (`errorBody`), how a request names the protocol (`protocolOfPath`) and what it sent
// (`requestMessages`, `keyOf`).

export const PROTOCOLS = ['chat', 'responses', 'anthropic'];
export const PROTOCOL_PATHS = { chat: '/v1/chat/completions', responses: '/v1/responses', anthropic: '/v1/messages' };
/** Request headers a browser client of any of the three protocols may send (CORS preflight). */
export const ALLOWED_HEADERS = 'content-type, authorization, x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access';

/** The protocol a POST path asks for (`…/chat/completions`, `…/responses`, `…/messages`), or null. */
export function protocolOfPath(path) {
  if (/\/chat\/completions$/.test(path)) return 'chat';
  if (/\/responses$/.test(path)) return 'responses';
  if (/\/messages$/.test(path)) return 'anthropic';
  return null;
}

/** The conversation a request body carries, as [{role, content}], system prompt first. */
export function requestMessages(protocol, body) {
  if (!body || typeof body !== 'object') return [];
  if (protocol === 'responses') {
    const input = Array.isArray(body.input) ? body.input : typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : [];
    return [...(body.instructions ? [{ role: 'system', content: body.instructions }] : []), ...input];
  }
  if (protocol === 'anthropic') {
    return [...(body.system ? [{ role: 'system', content: body.system }] : []), ...(Array.isArray(body.messages) ? body.messages : [])];
  }
  return Array.isArray(body.messages) ? body.messages : [];
}

/** Why a request body is not one of `protocol`'s, or null when it is. */
export function requestProblem(protocol, body, headers) {
  if (!body || typeof body !== 'object') return 'the body is not a JSON object';
  if (protocol === 'responses' && !Array.isArray(body.input) && typeof body.input !== 'string') return "'input' is a required property";
  if (protocol === 'anthropic') {
    if (!headers['anthropic-version']) return 'anthropic-version: header is required';
    if (!Array.isArray(body.messages)) return 'messages: Field required';
    if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  }
  if (protocol === 'chat' && !Array.isArray(body.messages)) return "'messages' is a required property";
  return null;
}

/** The API key a request carries in `protocol`'s key header (null when none). */
export function keyOf(protocol, headers) {
  if (protocol === 'anthropic') return headers['x-api-key'] ?? null;
  const auth = headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : null;
}

/** The HTTP error body of `protocol`: OpenAI's `{error: {message, type, param, code}}` or
 *  Anthropic's `{type: "error", error: {type, message}}`. */
export function errorBody(protocol, message, type = 'invalid_request_error', code = null) {
  if (protocol === 'anthropic') return { type: 'error', error: { type, message } };
  return { error: { message, type, param: null, code } };
}

const finishToAnthropic = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };

/** The non-streaming response body of `protocol` for a whole answer. */
export function wholeBody(protocol, { id, model, text = '', reasoning = '', tools = [], reason = 'stop', promptTokens = 5, completionTokens = 1 }) {
  const usage = { prompt: promptTokens, completion: completionTokens };
  if (protocol === 'responses') {
    const output = [];
    if (reasoning) output.push({ type: 'reasoning', id: `rs_${id}`, summary: [], content: [{ type: 'reasoning_text', text: reasoning }] });
    if (text) output.push({ type: 'message', id: `msg_${id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] });
    for (const t of tools) output.push({ type: 'function_call', id: `fc_${t.id}`, call_id: t.id, name: t.name, arguments: t.arguments, status: 'completed' });
    return {
      id: `resp_${id}`,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: reason === 'length' ? 'incomplete' : 'completed',
      incomplete_details: reason === 'length' ? { reason: 'max_output_tokens' } : null,
      model,
      output,
      usage: { input_tokens: usage.prompt, output_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
    };
  }
  if (protocol === 'anthropic') {
    const content = [];
    if (reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: 'sig' });
    if (text) content.push({ type: 'text', text });
    for (const t of tools) content.push({ type: 'tool_use', id: t.id, name: t.name, input: JSON.parse(t.arguments) });
    return {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: finishToAnthropic[reason] ?? reason,
      stop_sequence: null,
      usage: { input_tokens: usage.prompt, output_tokens: usage.completion },
    };
  }
  const message = { role: 'assistant', content: text || null, refusal: null };
  if (reasoning) message.reasoning_content = reasoning;
  if (tools.length) {
    message.tool_calls = tools.map((t, index) => ({ index, id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
  }
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: reason }],
    usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
  };
}

/** Writes one protocol's events, step by step, keeping the state the protocol needs (open
 *  content blocks, output items, what the final event must report). */
export class Wire {
  constructor(protocol, { id = 'mock', model = 'mock', eol = '\n', promptTokens = 5 } = {}) {
    if (!PROTOCOLS.includes(protocol)) throw new Error(`unknown protocol ${protocol}`);
    Object.assign(this, { protocol, id, model, eol, promptTokens });
    this.outputTokens = 0;
    this.text_ = '';
    this.tools = []; // { index, id, name, arguments, block }
    this.block = -1; // Anthropic: index of the open content block
    this.blockKind = null;
    this.reason = null;
  }

  /** `data: <json>` (+ `event: <type>` for the typed protocols). */
  sse(obj) {
    const { eol } = this;
    const data = typeof obj === 'string' ? obj : JSON.stringify(obj);
    if (this.protocol === 'chat' || typeof obj === 'string') return `data: ${data}${eol}${eol}`;
    return `event: ${obj.type}${eol}data: ${data}${eol}${eol}`;
  }

  chunk(delta, finishReason = null, extra = {}) {
    return this.sse({
      id: `chatcmpl-${this.id}`,
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...extra,
    });
  }

  response(status, extra = {}) {
    const output = [];
    if (this.text_) output.push({ type: 'message', id: `msg_${this.id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: this.text_, annotations: [] }] });
    for (const t of this.tools) output.push({ type: 'function_call', id: `fc_${t.id}`, call_id: t.id, name: t.name, arguments: t.arguments, status: 'completed' });
    return { id: `resp_${this.id}`, object: 'response', created_at: 1700000000, status, model: this.model, output, ...extra };
  }

  /** Anthropic: closes the open content block. */
  closeBlock() {
    if (this.block < 0 || this.blockKind == null) return [];
    this.blockKind = null;
    return [this.sse({ type: 'content_block_stop', index: this.block })];
  }

  /** Anthropic: opens a new content block of `kind` unless one of that kind is open. */
  openBlock(kind, contentBlock) {
    if (this.blockKind === kind && kind !== 'tool_use') return [];
    const out = this.closeBlock();
    this.block += 1;
    this.blockKind = kind;
    out.push(this.sse({ type: 'content_block_start', index: this.block, content_block: contentBlock }));
    return out;
  }

  /** The opening events: the role chunk, `response.created`, `message_start` (+ a ping). */
  start() {
    switch (this.protocol) {
      case 'chat':
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'responses':
        return [
          this.sse({ type: 'response.created', sequence_number: 0, response: this.response('in_progress') }),
          this.sse({ type: 'response.in_progress', sequence_number: 1, response: this.response('in_progress') }),
        ];
      default:
        return [
          this.sse({
            type: 'message_start',
            message: { id: `msg_${this.id}`, type: 'message', role: 'assistant', model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: this.promptTokens, output_tokens: 1 } },
          }),
          this.sse({ type: 'ping' }),
        ];
    }
  }

  text(t) {
    this.outputTokens += 1;
    switch (this.protocol) {
      case 'chat':
        return [this.chunk({ content: t })];
      case 'responses': {
        const out = [];
        if (!this.text_) {
          out.push(this.sse({ type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: `msg_${this.id}`, status: 'in_progress', role: 'assistant', content: [] } }));
          out.push(this.sse({ type: 'response.content_part.added', item_id: `msg_${this.id}`, output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } }));
        }
        this.text_ += t;
        out.push(this.sse({ type: 'response.output_text.delta', item_id: `msg_${this.id}`, output_index: 0, content_index: 0, delta: t }));
        return out;
      }
      default:
        this.text_ += t;
        return [...this.openBlock('text', { type: 'text', text: '' }), this.sse({ type: 'content_block_delta', index: this.block, delta: { type: 'text_delta', text: t } })];
    }
  }

  reasoning(t) {
    switch (this.protocol) {
      case 'chat':
        return [this.chunk({ content: null, reasoning_content: t })];
      case 'responses':
        return [this.sse({ type: 'response.reasoning_text.delta', item_id: `rs_${this.id}`, output_index: 0, content_index: 0, delta: t })];
      default:
        return [...this.openBlock('thinking', { type: 'thinking', thinking: '', signature: '' }), this.sse({ type: 'content_block_delta', index: this.block, delta: { type: 'thinking_delta', thinking: t } })];
    }
  }

  /** A tool call starts: its id and function name (no arguments yet). */
  toolStart(index, id, name) {
    const tool = { index, id, name, arguments: '', block: -1 };
    this.tools.push(tool);
    switch (this.protocol) {
      case 'chat':
        return [this.chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] })];
      case 'responses':
        return [this.sse({ type: 'response.output_item.added', output_index: 1 + index, item: { type: 'function_call', id: `fc_${id}`, call_id: id, name, arguments: '', status: 'in_progress' } })];
      default: {
        const out = this.openBlock('tool_use', { type: 'tool_use', id, name, input: {} });
        tool.block = this.block;
        return out;
      }
    }
  }

  /** A piece of a tool call's JSON arguments (cut anywhere). */
  toolArgs(index, piece) {
    const tool = this.tools.find((t) => t.index === index);
    tool.arguments += piece;
    switch (this.protocol) {
      case 'chat':
        return [this.chunk({ tool_calls: [{ index, function: { arguments: piece } }] })];
      case 'responses':
        return [this.sse({ type: 'response.function_call_arguments.delta', item_id: `fc_${tool.id}`, output_index: 1 + index, delta: piece })];
      default:
        return [this.sse({ type: 'content_block_delta', index: tool.block, delta: { type: 'input_json_delta', partial_json: piece } })];
    }
  }

  /** The answer is finished (`stop`, `length`, `tool_calls`): chat's finish chunk (+ usage),
   *  the Responses "done" events of the output (not terminal), Anthropic's block stop and
   *  `message_delta` with the stop reason (not terminal either). */
  finish(reason = 'stop', { usage = true } = {}) {
    this.reason = reason;
    switch (this.protocol) {
      case 'chat': {
        const out = [this.chunk({}, reason)];
        if (usage) {
          out.push(this.sse({
            id: `chatcmpl-${this.id}`, object: 'chat.completion.chunk', created: 1700000000, model: this.model, choices: [],
            usage: { prompt_tokens: this.promptTokens, completion_tokens: this.outputTokens, total_tokens: this.promptTokens + this.outputTokens },
          }));
        }
        return out;
      }
      case 'responses': {
        const out = [];
        if (this.text_) out.push(this.sse({ type: 'response.output_text.done', item_id: `msg_${this.id}`, output_index: 0, content_index: 0, text: this.text_ }));
        for (const t of this.tools) out.push(this.sse({ type: 'response.function_call_arguments.done', item_id: `fc_${t.id}`, output_index: 1 + t.index, arguments: t.arguments }));
        return out;
      }
      default:
        return [
          ...this.closeBlock(),
          this.sse({ type: 'message_delta', delta: { stop_reason: finishToAnthropic[reason] ?? reason, stop_sequence: null }, usage: { output_tokens: this.outputTokens } }),
        ];
    }
  }

  /** The terminal event: `[DONE]`, `response.completed` (or `response.incomplete` after a
   *  `length` finish), `message_stop`. */
  done() {
    switch (this.protocol) {
      case 'chat':
        return [this.sse('[DONE]')];
      case 'responses': {
        const usage = { input_tokens: this.promptTokens, output_tokens: this.outputTokens, total_tokens: this.promptTokens + this.outputTokens };
        if (this.reason === 'length') {
          return [this.sse({ type: 'response.incomplete', response: this.response('incomplete', { incomplete_details: { reason: 'max_output_tokens' }, usage }) })];
        }
        return [this.sse({ type: 'response.completed', response: this.response('completed', { usage }) })];
      }
      default:
        return [this.sse({ type: 'message_stop' })];
    }
  }

  /** The protocol's in-stream failure: chat's `{error: …}` chunk, `response.failed`, Anthropic's
   *  `error` event (`overloaded_error`). */
  error(message) {
    switch (this.protocol) {
      case 'chat':
        return [this.sse({ error: { message, type: 'server_error', param: null, code: null } })];
      case 'responses':
        return [this.sse({ type: 'response.failed', response: this.response('failed', { error: { code: 'server_error', message } }) })];
      default:
        return [this.sse({ type: 'error', error: { type: 'overloaded_error', message } })];
    }
  }

  /** The Responses API's top-level `error` event (the other two: as `error`). */
  errorEvent(message) {
    if (this.protocol !== 'responses') return this.error(message);
    return [this.sse({ type: 'error', code: 'rate_limit_exceeded', message, param: null })];
  }

  /** A keep-alive: Anthropic's `ping` event, an SSE comment elsewhere. */
  ping() {
    return this.protocol === 'anthropic' ? [this.sse({ type: 'ping' })] : [`: ping${this.eol}${this.eol}`];
  }

  /** The whole stream of `deltas`, as the hostile server's `events()` writes it: start, one text
   *  event (or a few) per delta, then the finish and the terminal event unless left out. */
  events(deltas, { finish = true, done = true } = {}) {
    const out = [this.start().join('')];
    for (const d of deltas) out.push(this.text(d).join(''));
    if (finish) out.push(this.finish('stop').join(''));
    if (done) out.push(this.done().join(''));
    return out;
  }
}
