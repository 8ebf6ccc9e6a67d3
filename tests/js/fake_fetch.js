// Browser-test fixtures: a scripted `fetch` (no network) and small DOM helpers.
// Each installed script answers the next fetch with a Response whose body is a ReadableStream
// that enqueues the given chunks with real delays, honouring the request's AbortSignal.

const encoder = new TextEncoder();

/** Requests seen by the fake fetch: {url, method, headers, body, aborted}. */
export function fetchLog() {
  return JSON.stringify(globalThis.__fakeFetchLog || []);
}

/**
 * Installs a fake `fetch`. `spec` is a JSON string:
 * {status, contentType, chunks: [string | number[] (raw bytes)], delayMs, headersDelayMs, hang
 * (keep the stream open after the chunks), error (make the body fail after the chunks)}.
 */
export function installFakeFetch(specJson) {
  const spec = JSON.parse(specJson);
  globalThis.__fakeFetchLog = [];
  globalThis.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const entry = {
      url: request.url,
      method: request.method,
      headers: Object.fromEntries(request.headers.entries()),
      body: await request.clone().text(),
      aborted: false,
    };
    globalThis.__fakeFetchLog.push(entry);
    const signal = request.signal;
    if (spec.headersDelayMs) {
      // A server that takes its time before the response headers (abortable, like a real fetch).
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, spec.headersDelayMs);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          entry.aborted = true;
          reject(new DOMException("The user aborted a request.", "AbortError"));
        });
      });
    }
    const chunks = (spec.chunks || []).map((c) =>
      typeof c === "string" ? encoder.encode(c) : new Uint8Array(c),
    );
    let i = 0;
    let timer = null;
    const body = new ReadableStream({
      start(controller) {
        signal.addEventListener("abort", () => {
          entry.aborted = true;
          clearTimeout(timer);
          try {
            controller.error(new DOMException("The user aborted a request.", "AbortError"));
          } catch (_) {}
        });
      },
      pull(controller) {
        return new Promise((resolve) => {
          timer = setTimeout(() => {
            if (signal.aborted) return resolve();
            if (i < chunks.length) {
              controller.enqueue(chunks[i++]);
            } else if (spec.error) {
              controller.error(new TypeError("network error"));
            } else if (!spec.hang) {
              controller.close();
            } else {
              return; // never resolves: a server that went silent
            }
            resolve();
          }, spec.delayMs ?? 5);
        });
      },
      cancel() {
        entry.cancelled = true;
      },
    });
    return new Response(body, {
      status: spec.status ?? 200,
      headers: { "content-type": spec.contentType ?? "text/event-stream" },
    });
  };
}

function find(root, testid) {
  return root.querySelector(`[data-testid="${testid}"]`);
}

/** Sets a textarea/input value as a user would (fires `input` and `change`). */
export function typeInto(root, testid, value) {
  const el = find(root, testid);
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  el.dispatchEvent(new Event("change", { bubbles: true }));
}

export function click(root, testid) {
  find(root, testid).click();
}

export function pressEnter(root, testid, shift) {
  find(root, testid).dispatchEvent(
    new KeyboardEvent("keydown", { key: "Enter", shiftKey: shift, bubbles: true, cancelable: true }),
  );
}

/** textContent of the last element with this test id, or null. */
export function textOf(root, testid) {
  const all = root.querySelectorAll(`[data-testid="${testid}"]`);
  return all.length ? all[all.length - 1].textContent : null;
}

export function attrOf(root, testid, name) {
  const el = find(root, testid);
  return el ? el.getAttribute(name) : null;
}

export function count(root, testid) {
  return root.querySelectorAll(`[data-testid="${testid}"]`).length;
}

export function countTags(root, testid, tag) {
  const el = find(root, testid);
  return el ? el.querySelectorAll(tag).length : -1;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
