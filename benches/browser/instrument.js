// In-page instrumentation for the browser streaming benchmark, installed with
// `page.addInitScript({ path })` before any script of the page runs. It is the same for every
// implementation (the app, the vanilla-JS baseline, deep-chat) and changes none: it only wraps
// platform functions. Shadow roots are followed: `attachShadow` is wrapped so every shadow root
// the page creates is observed and searched too (deep-chat renders in one).
//
// What it records (while armed, i.e. from just before Send until the turn has ended):
//   reads   every resolved `ReadableStreamDefaultReader.prototype.read()`: time, byte count
//   frames  one record per animation frame (own rAF loop): the frame's rAF timestamp, the time
//           its first rAF callback ran, and the time a `setTimeout(0)` posted from it ran, which
//           is just after that frame was painted ("rAF + setTimeout 0")
//   writes  every DOM write (a MutationObserver delivery, whole document): time, and the frame
//           whose rAF phase it happened in (-1 = in an ordinary task, so painted by the next
//           frame), whether it touched the answer (the implementation's answer selector,
//           given to `arm()`; `[data-testid=message-assistant]` by default) or
//           changed `data-state` of `[data-testid=chat]`
//   long tasks and long animation frames (PerformanceObserver, buffered)
//   the wasm instance's exported memory (`WebAssembly.instantiate[Streaming]` wrapped)
//
// Whether a DOM write is "in the rAF phase of frame F" is tracked with `rafTs`: set when a rAF
// callback runs (callbacks of one frame share its timestamp; the microtasks after a callback,
// where Leptos' effects and the MutationObserver delivery run, still see it), and cleared at the
// start of every other kind of task that can write: a resolved read or fetch, a timer, an input
// event, and the post-paint timeout of each frame.
(() => {
  'use strict';
  if (window.__bench) return;
  const perf = performance;
  const now = () => perf.now();
  let ANSWER = '[data-testid="message-assistant"]';
  const CHAT = '[data-testid="chat"]';
  const TERMINAL = new Set(['done', 'error', 'stopped']);

  const origRAF = window.requestAnimationFrame.bind(window);
  const origSetTimeout = window.setTimeout.bind(window);
  const origSetInterval = window.setInterval.bind(window);
  const origFetch = window.fetch.bind(window);

  const B = {
    armed: false,
    rafTs: null,
    memories: [],
    longtasks: [],
    loafs: [],
  };
  window.__bench = B;

  // ---- shadow roots (observed while armed, searched by queryAll)
  const shadowRoots = [];
  const origAttachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function attachShadow() {
    const root = origAttachShadow.apply(this, arguments);
    shadowRoots.push(root);
    if (B.armed && B.mo) observe(root);
    return root;
  };
  /** Every match in the document and in the shadow roots (in creation order). */
  function queryAll(sel) {
    const out = [...document.querySelectorAll(sel)];
    for (const r of shadowRoots) out.push(...r.querySelectorAll(sel));
    return out;
  }
  const lastAnswer = () => {
    const els = queryAll(ANSWER);
    return els[els.length - 1];
  };
  function observe(target) {
    B.mo.observe(target, { subtree: true, childList: true, characterData: true, attributes: true });
  }

  function reset() {
    B.reads = []; // flat: t, bytes (-1 = done)
    B.writes = []; // flat: t, frame ts (-1 = task), flags (1 answer, 2 state)
    B.frameTs = [];
    B.frameRaf = [];
    B.frameAfter = [];
    B.frameIndex = new Map();
    B.firstTextWrite = -1; // index (in writes/3) of the write that made the answer non-empty
    B.lastAnswerWrite = -1;
    B.stateWrite = -1; // the write that set a terminal data-state
    B.endState = null;
    B.clickAt = null;
    B.armedAt = now();
  }
  reset();

  // ---- network reads
  const RSDR = window.ReadableStreamDefaultReader;
  if (RSDR) {
    const origRead = RSDR.prototype.read;
    RSDR.prototype.read = function read() {
      const p = origRead.apply(this, arguments);
      if (!B.armed) return p;
      return p.then((r) => {
        B.rafTs = null;
        if (B.armed) B.reads.push(now(), r && r.value ? r.value.byteLength : -1);
        return r;
      });
    };
  }
  window.fetch = function fetch() {
    return origFetch.apply(this, arguments).then((r) => {
      B.rafTs = null;
      return r;
    });
  };

  // ---- timers and input events start tasks
  window.setTimeout = function setTimeout(cb, ms, ...args) {
    if (typeof cb !== 'function') return origSetTimeout(cb, ms, ...args);
    return origSetTimeout(function () {
      B.rafTs = null;
      return cb.apply(this, arguments);
    }, ms, ...args);
  };
  window.setInterval = function setInterval(cb, ms, ...args) {
    if (typeof cb !== 'function') return origSetInterval(cb, ms, ...args);
    return origSetInterval(function () {
      B.rafTs = null;
      return cb.apply(this, arguments);
    }, ms, ...args);
  };
  for (const type of ['click', 'submit', 'keydown', 'input', 'pointerdown', 'message']) {
    window.addEventListener(type, () => (B.rafTs = null), { capture: true });
  }

  // ---- animation frames
  function noteFrame(ts) {
    if (!B.frameIndex.has(ts)) {
      B.frameIndex.set(ts, B.frameTs.length);
      B.frameTs.push(ts);
      B.frameRaf.push(now());
      B.frameAfter.push(-1);
    }
    B.rafTs = ts;
  }
  window.requestAnimationFrame = function requestAnimationFrame(cb) {
    return origRAF((ts) => {
      if (B.armed) noteFrame(ts);
      return cb(ts);
    });
  };
  function loop(ts) {
    if (!B.armed) {
      B.looping = false;
      return;
    }
    noteFrame(ts);
    const i = B.frameIndex.get(ts);
    origSetTimeout(() => {
      B.frameAfter[i] = now();
      B.rafTs = null;
    }, 0);
    origRAF(loop);
  }

  // ---- DOM writes
  function onMutations(records) {
    if (!B.armed) return;
    const t = now();
    let flags = 0;
    for (let i = 0; i < records.length && flags !== 3; i++) {
      const r = records[i];
      if (!(flags & 2) && r.type === 'attributes' && r.attributeName === 'data-state' && r.target.matches(CHAT)) {
        flags |= 2;
      }
      if (!(flags & 1)) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (el && el.closest(ANSWER)) flags |= 1;
        else if (r.type === 'childList') {
          for (const a of r.addedNodes) {
            if (a.nodeType === 1 && (a.matches(ANSWER) || a.querySelector(ANSWER))) {
              flags |= 1;
              break;
            }
          }
        }
      }
    }
    const idx = B.writes.length / 3;
    B.writes.push(t, B.rafTs == null ? -1 : B.rafTs, flags);
    if (flags & 1) {
      B.lastAnswerWrite = idx;
      if (B.firstTextWrite < 0) {
        const last = lastAnswer();
        if (last && last.textContent.trim() !== '') B.firstTextWrite = idx;
      }
    }
    if (flags & 2 && B.stateWrite < 0) {
      const st = document.querySelector(CHAT)?.getAttribute('data-state');
      if (TERMINAL.has(st)) {
        B.stateWrite = idx;
        B.endState = st;
        // Let two more frames be painted so the final paint is recorded, then report.
        origRAF(() => origRAF(() => origSetTimeout(() => B.resolveDone && B.resolveDone(st), 0)));
      }
    }
  }

  // ---- long tasks, long animation frames
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        B.loafs.push({
          start: e.startTime,
          duration: e.duration,
          blocking: e.blockingDuration,
          renderStart: e.renderStart,
          styleAndLayoutStart: e.styleAndLayoutStart,
          scripts: (e.scripts || [])
            .map((s) => ({
              invoker: s.invoker,
              type: s.invokerType,
              duration: s.duration,
              forcedLayout: s.forcedStyleAndLayoutDuration,
              fn: s.sourceFunctionName,
            }))
            .sort((a, b) => b.duration - a.duration)
            .slice(0, 3),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {}

  // ---- wasm memory
  function capture(x) {
    const inst = x && x.instance ? x.instance : x;
    if (inst && inst.exports) {
      for (const v of Object.values(inst.exports)) if (v instanceof WebAssembly.Memory) B.memories.push(v);
    }
    return x;
  }
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const orig = WebAssembly[name];
    if (typeof orig !== 'function') continue;
    WebAssembly[name] = function () {
      return orig.apply(this, arguments).then(capture);
    };
  }

  // ---- control (called by run.mjs)
  B.wasmBytes = () => (B.memories.length ? B.memories.reduce((s, m) => s + m.buffer.byteLength, 0) : null);
  /** config: { answer: selector of the assistant message elements } */
  B.arm = (config = {}) => {
    reset();
    if (config.answer) ANSWER = config.answer;
    B.done = new Promise((resolve) => (B.resolveDone = resolve));
    if (!B.mo) B.mo = new MutationObserver(onMutations);
    observe(document.documentElement);
    for (const r of shadowRoots) observe(r);
    B.armed = true;
    if (!B.looping) {
      B.looping = true;
      origRAF(loop);
    }
  };
  B.click = (selector) => {
    const el = queryAll(selector)[0];
    if (!el) throw new Error(`no ${selector} in the page`);
    B.clickAt = now();
    el.click();
  };
  /** How many elements match (document and shadow roots). */
  B.count = (selector) => queryAll(selector).length;
  /** Characters of the last answer on the page now. */
  B.answerChars = () => (lastAnswer()?.textContent.length ?? 0);
  B.disarm = () => {
    B.armed = false;
    if (B.mo) {
      B.mo.takeRecords();
      B.mo.disconnect();
    }
  };
  /** Everything recorded, as plain data. */
  B.collect = (sentinel) => {
    const last = lastAnswer();
    const text = last ? last.textContent : '';
    return {
      armedAt: B.armedAt,
      clickAt: B.clickAt,
      reads: B.reads,
      writes: B.writes,
      frameTs: B.frameTs,
      frameRaf: B.frameRaf,
      frameAfter: B.frameAfter,
      firstTextWrite: B.firstTextWrite,
      lastAnswerWrite: B.lastAnswerWrite,
      stateWrite: B.stateWrite,
      endState: B.endState,
      longtasks: B.longtasks.filter((e) => e.start >= B.armedAt),
      loafs: B.loafs.filter((e) => e.start >= B.armedAt),
      wasmBytes: B.wasmBytes(),
      answerChars: text.length,
      answerTail: text.slice(-60),
      complete: sentinel ? text.trimEnd().endsWith(sentinel) : null,
      nodes: queryAll('*').length,
    };
  };
})();
