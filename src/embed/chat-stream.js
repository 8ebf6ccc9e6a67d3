// chat-stream embed loader (dist/chat-stream.js; stable name, no build step for the host page).
//
//   <script type="module" src="https://your.site/chat-stream/chat-stream.js"></script>
//   <chat-stream endpoint="https://your.site/llm/v1" model="gpt-4o-mini"></chat-stream>
//
// or from code:
//
//   import { mount } from "https://your.site/chat-stream/chat-stream.js";
//   const chat = await mount(document.querySelector("#help"), { endpoint: "/llm/v1", model: "m" });
//   chat.send("Hello"); chat.stop(); chat.unmount();
//
// Assets (the wasm module, its bindings, style.css) are resolved against this file's own URL, so
// the folder can live anywhere; from another origin it must be served with CORS
// (Access-Control-Allow-Origin), as module scripts and wasm are fetched in CORS mode.
//
// Each instance renders in an open shadow root (styles isolated both ways) and dispatches
// `chat-stream:start | delta | done | error` CustomEvents (bubbling, composed) on its element.
// The API key: a key in page source is public. Point `endpoint` at your own proxy that adds the
// key. The element never reads a key from its attributes, except from `unsafe-api-key`, which is
// for private pages only (intranet tools, demos on localhost).

const BASE = new URL("./", import.meta.url);
const STYLE_URL = new URL("style.css", BASE).href;

/** Attributes of <chat-stream> (the JS options are the same names in camelCase). */
export const ATTRIBUTES = Object.freeze([
  "endpoint",
  "model",
  "protocol",
  "stream",
  "system",
  "temperature",
  "max-tokens",
  "idle-timeout",
  "placeholder",
  "theme",
]);
const UNSAFE_KEY_ATTRIBUTE = "unsafe-api-key";

let ready;
let mountCore;
/**
 * Loads and instantiates the wasm module once per page. The bindings and the wasm (compiled while
 * it downloads) are fetched at once, in parallel, not one after the other.
 */
function load() {
  ready ??= (async () => {
    const wasm = fetch(new URL("chat-stream-embed_bg.wasm", BASE));
    const glue = await import(new URL("chat-stream-embed.js", BASE).href);
    await glue.default({ module_or_path: wasm });
    mountCore = glue.mount;
  })();
  return ready;
}

const kebab = (name) => name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

/**
 * Mounts a chat into `element` (in its open shadow root, created if needed).
 * options: { endpoint, model, protocol: "chat" | "responses" | "anthropic", stream, system,
 *            temperature, maxTokens, idleTimeout, placeholder, theme: "light" | "dark" | "auto",
 *            apiKey }
 * Returns { element, send(text), stop(), reset(), set(options), state, unmount() }.
 * `unmount()` aborts any request, removes the chat and every listener and timer it made.
 */
export async function mount(element, options = {}) {
  if (!(element instanceof HTMLElement)) throw new TypeError("chat-stream: mount() needs an HTMLElement");
  // The style sheet is requested at once, in parallel with the wasm, so the chat is styled from
  // its first paint.
  const root = element.shadowRoot ?? element.attachShadow({ mode: "open" });
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = STYLE_URL;
  const container = document.createElement("div");
  container.className = "cs-host";
  root.replaceChildren(style, container);
  await load();
  let core = mountCore(element, container);
  const handle = {
    element,
    /** Sends `text` as the next user message (ignored while an answer streams). */
    send(text) {
      core?.send(String(text));
    },
    /** Stops the answer; the partial text stays. */
    stop() {
      core?.stop();
    },
    /** Stops and forgets the conversation. */
    reset() {
      core?.reset();
    },
    /** Changes options (same names as mount()); they apply to the next request. */
    set(changes) {
      if (!core) return;
      for (const [name, value] of Object.entries(changes ?? {})) {
        if (name === "apiKey") core.setApiKey(value == null ? "" : String(value));
        else if (!core.set(kebab(name), value == null ? undefined : String(value)))
          console.warn(`chat-stream: unknown option ${name}`);
      }
    },
    /** idle | waiting | streaming | done | stopped | error | unmounted */
    get state() {
      return core ? core.state() : "unmounted";
    },
    /** Aborts any request and removes the chat, its listeners and timers. */
    unmount() {
      if (!core) return;
      core.unmount();
      core.free();
      core = null;
      root.replaceChildren();
    },
  };
  handle.set(options);
  return handle;
}

/** <chat-stream>: the chat as an element. Attributes: see ATTRIBUTES (+ unsafe-api-key). */
export class ChatStreamElement extends HTMLElement {
  static get observedAttributes() {
    return [...ATTRIBUTES, UNSAFE_KEY_ATTRIBUTE];
  }

  #handle = null;
  #mounting = null;

  connectedCallback() {
    if (this.#handle || this.#mounting) return; // moved within the page: keep the conversation
    const options = {};
    for (const name of ATTRIBUTES) {
      if (this.hasAttribute(name)) options[name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = this.getAttribute(name);
    }
    if (this.hasAttribute(UNSAFE_KEY_ATTRIBUTE)) options.apiKey = this.getAttribute(UNSAFE_KEY_ATTRIBUTE);
    const mounting = (this.#mounting = mount(this, options).then(
      (handle) => {
        if (this.#mounting !== mounting) {
          handle.unmount(); // removed before the module was ready
          return;
        }
        this.#mounting = null;
        this.#handle = handle;
        this.dispatchEvent(new CustomEvent("chat-stream:ready", { bubbles: true, composed: true }));
      },
      (error) => {
        this.#mounting = null;
        console.error("chat-stream: could not load", error);
        this.dispatchEvent(
          new CustomEvent("chat-stream:error", {
            bubbles: true,
            composed: true,
            detail: { message: `chat-stream could not load: ${error?.message ?? error}`, status: null, text: "" },
          }),
        );
      },
    ));
  }

  disconnectedCallback() {
    // A move (remove then insert in the same task) keeps the instance; a removal ends it.
    queueMicrotask(() => {
      if (this.isConnected) return;
      this.#mounting = null;
      this.#handle?.unmount();
      this.#handle = null;
    });
  }

  attributeChangedCallback(name, _old, value) {
    if (!this.#handle) return; // read in full when mounting
    if (name === UNSAFE_KEY_ATTRIBUTE) this.#handle.set({ apiKey: value ?? "" });
    else this.#handle.set({ [name]: value });
  }

  /** Sends `text` as the next user message. */
  send(text) {
    this.#handle?.send(text);
  }

  /** Stops the answer; the partial text stays. */
  stop() {
    this.#handle?.stop();
  }

  /** Stops and forgets the conversation. */
  reset() {
    this.#handle?.reset();
  }

  /** idle | waiting | streaming | done | stopped | error | loading | unmounted */
  get state() {
    return this.#handle ? this.#handle.state : this.#mounting ? "loading" : "unmounted";
  }
}

if (!customElements.get("chat-stream")) customElements.define("chat-stream", ChatStreamElement);
