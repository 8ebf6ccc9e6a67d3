// Starts the app. A file of its own (not trunk's inline loader) so the page's Content-Security-Policy
// can forbid inline scripts: script-src 'self' 'wasm-unsafe-eval'.
import init from "./chat-stream-app.js";

await init({ module_or_path: new URL("chat-stream-app_bg.wasm", import.meta.url) });
dispatchEvent(new CustomEvent("TrunkApplicationStarted"));
