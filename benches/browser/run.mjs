// Browser streaming benchmark: the app (release build, "ours") against a hand-written vanilla-JS
// page ("baseline", benches/browser/baseline/) and the deep-chat web component ("deep-chat",
// benches/browser/deep-chat/), on the same replayed OpenAI streams, in headless Chromium driven
// by Playwright. See benches/browser/README.md for what every figure means.
//
//   node benches/browser/run.mjs [--runs 5] [--quick] [--dist DIR] [--only ours,baseline,deep-chat]
//                                [--stream 2k,200,2000,burst] [--memory-repeats 10] [--no-memory]
//                                [--deadline S] [--repeat-dnf] [--deep-chat-connection connect|direct]
//                                [--out target/bench-browser/results.json] [--profile] [--trace]
//   node benches/browser/run.mjs --report target/bench-browser/results.json   # tables again, no run
//
// Benchmarks are not tests: this prints numbers (and whether each target is met) and exits 0
// whatever they are; it fails only when something does not work (no build, a stream that does
// not complete).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from '../../e2e/static-server.mjs';
import { SENTINEL, transcriptTokens } from './replay-server.mjs';
import {
  CHROMIUM,
  IMPLS as UI,
  PATH_ENV,
  REPO,
  blockExternal,
  ensureDist as buildOrFind,
  fmt,
  implsFrom,
  launch,
  median,
  packageVersion,
  rotation,
  sh,
  sleep,
  startReplay,
  wasmFiles,
} from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VIEWPORT = { width: 1100, height: 1000 };

// ---------------------------------------------------------------------------------------------
// Options.

function parseOptions(argv) {
  const o = {
    runs: 5,
    quick: false,
    dist: null,
    only: null,
    streams: null,
    memory: true,
    memoryRepeats: 10,
    profile: false,
    trace: false,
    out: path.join(REPO, 'target/bench-browser/results.json'),
    deadline: null,
    repeatDnf: false,
    deepChatConnection: 'connect',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const name = a.replace(/=.*$/, '');
    if (name === '--runs') o.runs = Math.max(1, Number(val()));
    else if (name === '--quick') o.quick = true;
    else if (name === '--dist') o.dist = path.resolve(val());
    else if (name === '--only') o.only = val();
    else if (name === '--stream') o.streams = val().split(',');
    else if (name === '--memory-repeats') o.memoryRepeats = Math.max(2, Number(val()));
    else if (name === '--no-memory') o.memory = false;
    else if (name === '--profile') o.profile = true;
    else if (name === '--trace') o.trace = true;
    else if (name === '--out') o.out = path.resolve(val());
    else if (name === '--report') o.report = path.resolve(val());
    else if (name === '--deadline') o.deadline = Math.max(1, Number(val()));
    else if (name === '--repeat-dnf') o.repeatDnf = true;
    else if (name === '--deep-chat-connection') o.deepChatConnection = val();
    else if (name === '--help' || name === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(5, 10).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  o.impls = implsFrom(o.only);
  if (!['connect', 'direct'].includes(o.deepChatConnection)) throw new Error('--deep-chat-connection takes connect or direct');
  if (o.quick && !argv.some((a) => a.startsWith('--runs'))) o.runs = 1;
  if (o.quick && !argv.some((a) => a.startsWith('--memory-repeats'))) o.memoryRepeats = 3;
  return o;
}

const opts = parseOptions(process.argv.slice(2));

// Targets (release build, headless Chromium, this machine). `2k` (a long but ordinary answer)
// has no targets of its own: it is the stream every implementation finishes.
const STREAMS = [
  { name: '2k', label: '200 ev/s × 2,000 tokens', rate: 200, tokens: opts.quick ? 600 : 2000 },
  { name: '200', label: '200 ev/s × 20,000 tokens', rate: 200, tokens: opts.quick ? 600 : 20_000, busyTarget: 20, chunkP95Target: 25, lastByteTarget: 25, wasmTarget: 4 },
  { name: '2000', label: '2,000 ev/s × 20,000 tokens', rate: 2000, tokens: opts.quick ? 3000 : 20_000, busyTarget: 25, lastByteTarget: 25, wasmTarget: 4 },
  { name: 'burst', label: '100,000-event burst', rate: 'max', tokens: opts.quick ? 20_000 : 100_000, lastByteTarget: 50, wallTarget: 1000, wasmTarget: 16 },
].filter((s) => !opts.streams || opts.streams.includes(s.name));
if (opts.quick) for (const s of STREAMS) s.label = `${s.rate === 'max' ? 'burst' : `${s.rate} ev/s`} × ${s.tokens} tokens (quick)`;
const IMPLS = opts.impls;
const MEMORY_STREAM = { rate: 'max', tokens: opts.quick ? 5000 : 20_000 };

// ---------------------------------------------------------------------------------------------
// Machine and versions.

function machineHeader(chromiumVersion, dist) {
  const load = os.loadavg();
  const wasm = wasmFiles(dist);
  return {
    date: new Date().toISOString(),
    chromium: chromiumVersion,
    node: process.version,
    rustc: sh('rustc', ['--version'], PATH_ENV),
    wasmOpt: sh(path.join(REPO, 'node_modules/.bin/wasm-opt'), ['--version']),
    playwright: packageVersion('playwright-core'),
    eventsourceParser: packageVersion('eventsource-parser'),
    deepChat: packageVersion('deep-chat'),
    deepChatConnection: opts.deepChatConnection,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAtStart: load.map((x) => +x.toFixed(2)),
    git: sh('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
    dist,
    wasm: wasm.map((f) => `${f} ${(fs.statSync(path.join(dist, f)).size / 1024).toFixed(1)} KiB, built ${fs.statSync(path.join(dist, f)).mtime.toISOString()}`),
  };
}

// ---------------------------------------------------------------------------------------------
// The build.

function ensureDist() {
  return buildOrFind(opts.dist);
}

// ---------------------------------------------------------------------------------------------
// Servers and browser: see lib.mjs.

// ---------------------------------------------------------------------------------------------
// One run.

const metricsOf = async (cdp) => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));

function pageUrl(env, impl, stream) {
  const endpoint = `${env.replay.url}/r/${stream.rate}/${stream.tokens}/v1`;
  if (impl === 'ours') {
    const u = new URL(`${env.ours.url}/index.html`);
    for (const [k, v] of Object.entries({ endpoint, model: 'bench', stream: 'true', prompt: 'hi', idle_timeout: '0' })) u.searchParams.set(k, v);
    return u.toString();
  }
  const u = new URL(`${env.base.url}/benches/browser/${impl}/index.html`);
  for (const [k, v] of Object.entries({ endpoint, model: 'bench', prompt: 'hi' })) u.searchParams.set(k, v);
  if (impl === 'deep-chat' && opts.deepChatConnection !== 'connect') u.searchParams.set('connection', opts.deepChatConnection);
  return u.toString();
}

async function openPage(env, impl, stream) {
  const context = await env.browser.newContext({ viewport: VIEWPORT });
  const blocked = [];
  await blockExternal(context, blocked);
  await context.addInitScript({ path: path.join(HERE, 'instrument.js') });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  await page.goto(pageUrl(env, impl, stream), { waitUntil: 'load', timeout: 60_000 });
  await page.locator(UI[impl].send).waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('[data-testid="chat"][data-state="idle"]').waitFor({ state: 'attached', timeout: 60_000 });
  // Let start-up work (wasm tier-up, first paints, storage) settle.
  await sleep(700);
  return { context, page, cdp, errors, blocked };
}

/** How long a turn may take before the run is recorded as "did not finish". */
function deadlineMs(stream) {
  if (opts.deadline) return opts.deadline * 1000;
  const expected = stream.rate === 'max' ? 30_000 : (stream.tokens / stream.rate) * 1000;
  return expected * 2 + 60_000;
}

/** Streams once in a fresh page; returns the figures of the run. */
async function runOnce(env, impl, stream) {
  const { context, page, cdp, errors, blocked } = await openPage(env, impl, stream);
  try {
    await env.replay.reset();
    await cdp.send('HeapProfiler.collectGarbage');
    const wasmBefore = await page.evaluate(() => __bench.wasmBytes());
    await page.evaluate((answer) => __bench.arm({ answer }), UI[impl].answer);
    const pageT0 = await page.evaluate(() => performance.now());
    if (opts.profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    if (opts.trace) {
      await env.browser.startTracing(page, {
        categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'v8', 'toplevel'],
      });
    }
    const m0 = await metricsOf(cdp);
    await page.evaluate((send) => __bench.click(send), UI[impl].send);

    // Wait for the end, sampling the CDP counters every 0.5 s (for the late-stream layout cost).
    const samples = [m0];
    let finished = false;
    const done = page.evaluate(() => __bench.done).finally(() => (finished = true));
    done.catch(() => {});
    const limit = deadlineMs(stream);
    const started = Date.now();
    const deadline = started + limit;
    // Progress (answer length on the page, and when the page said so), asked every 5 s, for the
    // report of a turn that does not finish. A page busy in a long task answers when it ends.
    let progress = null;
    let asking = null;
    const ask = () => {
      asking ??= page
        .evaluate(() => __bench.answerChars())
        .then((chars) => (progress = { chars, at_s: (Date.now() - started) / 1000 }), () => {})
        .finally(() => (asking = null));
      return asking;
    };
    let nextProgress = started + 5000;
    while (!finished) {
      await Promise.race([done, sleep(stream.rate === 'max' ? 250 : 500)]);
      if (finished) break;
      samples.push(await metricsOf(cdp));
      if (Date.now() >= nextProgress) {
        nextProgress = Date.now() + 5000;
        ask();
      }
      if (Date.now() > deadline) {
        // Did not finish: record how much of the answer is on the page, and move on.
        await Promise.race([ask(), sleep(15_000)]);
        const total = transcriptTokens(stream.tokens).join('').length;
        return {
          impl,
          stream: stream.name,
          dnf: true,
          deadline_s: limit / 1000,
          answerChars: progress?.chars ?? null,
          answer_pct: progress ? (100 * progress.chars) / total : null,
          answer_at_s: progress?.at_s ?? null,
          errors: errors.slice(0, 3),
        };
      }
    }
    const endState = await done;
    const m1 = await metricsOf(cdp);
    samples.push(m1);
    let traceSummary = null;
    if (opts.trace) {
      const buf = await env.browser.stopTracing();
      const file = path.join(path.dirname(opts.out), 'traces', `${stream.name}-${impl}-${Date.now()}.json`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, buf);
      traceSummary = summariseTrace(JSON.parse(buf.toString()));
      console.log(`  trace ${path.relative(process.cwd(), file)}; renderer main thread, self time by event:`);
      for (const f of traceSummary.slice(0, 25)) console.log(`    ${fmt(f.ms, 1).padStart(8)} ms  ${String(f.count).padStart(6)}×  ${f.name}`);
    }
    let profileSummary = null;
    if (opts.profile) {
      const { profile } = await cdp.send('Profiler.stop');
      const file = path.join(path.dirname(opts.out), 'profiles', `${stream.name}-${impl}-${Date.now()}.cpuprofile`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      profileSummary = summariseProfile(profile);
      console.log(`  CPU profile ${path.relative(process.cwd(), file)}; self time, top functions:`);
      for (const f of profileSummary.slice(0, 25)) console.log(`    ${fmt(f.ms, 1).padStart(8)} ms  ${f.name}`);
    }
    await page.evaluate(() => __bench.disarm());
    await cdp.send('HeapProfiler.collectGarbage');
    const m2 = await metricsOf(cdp);
    const raw = await page.evaluate((s) => __bench.collect(s), SENTINEL);
    const server = (await env.replay.log()).find((r) => r.path.includes(`/r/${stream.rate}/${stream.tokens}/`));
    if ((endState !== 'done' || !raw.complete) && UI[impl].peer) {
      const total = transcriptTokens(stream.tokens).join('').length;
      return {
        impl,
        stream: stream.name,
        failed: true,
        endState,
        answerChars: raw.answerChars,
        answer_pct: (100 * raw.answerChars) / total,
        answerTail: raw.answerTail,
        errors: errors.slice(0, 3),
      };
    }
    if (endState !== 'done' || !raw.complete) {
      throw new Error(`${impl} ${stream.name}: the turn ended "${endState}", complete answer: ${raw.complete} (tail ${JSON.stringify(raw.answerTail)}); page errors: ${errors.join('; ')}`);
    }
    const res = analyse({ impl, stream, raw, m0, m1, m2, samples, pageT0, server, wasmBefore });
    if (blocked.length) res.blocked_requests = blocked;
    if (profileSummary) res.profile_top = profileSummary.slice(0, 40);
    if (traceSummary) res.trace_top = traceSummary.slice(0, 40);
    return res;
  } finally {
    await context.close().catch(() => {});
  }
}

/** Self time per trace event name on the renderer's main thread (complete events, nested). */
function summariseTrace(trace) {
  const events = trace.traceEvents || trace;
  const main = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !main.has(`${e.pid}:${e.tid}`) || !(e.dur >= 0)) continue;
    const k = `${e.pid}:${e.tid}`;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k).push(e);
  }
  const self = new Map();
  const add = (name, us, n) => {
    const r = self.get(name) || { ms: 0, count: 0 };
    r.ms += us / 1000;
    r.count += n;
    self.set(name, r);
  };
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = [];
    for (const e of list) {
      while (stack.length && stack[stack.length - 1].end <= e.ts) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.child += Math.min(e.dur, parent.end - e.ts);
      const rec = { e, end: e.ts + e.dur, child: 0 };
      stack.push(rec);
      rec.done = () => add(e.name, Math.max(0, e.dur - rec.child), 1);
      list.recs ??= [];
      list.recs.push(rec);
    }
    for (const r of list.recs ?? []) r.done();
  }
  return [...self.entries()].map(([name, r]) => ({ name, ...r })).sort((a, b) => b.ms - a.ms);
}

/** Self time per function (name + script) of a CDP CPU profile, largest first. */
function summariseProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const cf = n.callFrame;
    const file = cf.url ? cf.url.replace(/^.*\//, '') : '';
    const key = `${cf.functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
    self.set(key, (self.get(key) || 0) + (profile.timeDeltas[i] || 0) / 1000);
  }
  return [...self.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

// ---------------------------------------------------------------------------------------------
// Analysis of one run's raw recordings (all times in the page's performance.now() ms).

function firstIndexAbove(sorted, t) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function analyse({ impl, stream, raw, m0, m1, m2, samples, pageT0, server, wasmBefore }) {
  const { frameTs, frameRaf, frameAfter, writes, reads } = raw;
  const frameOf = new Map(frameTs.map((ts, i) => [ts, i]));
  const nWrites = writes.length / 3;

  // The frame that painted write j: the frame whose rAF phase it ran in, else the next frame.
  const paintFrame = new Int32Array(nWrites);
  for (let j = 0; j < nWrites; j++) {
    const t = writes[3 * j];
    const ts = writes[3 * j + 1];
    let k = ts === -1 ? undefined : frameOf.get(ts);
    if (k === undefined || !(frameAfter[k] >= t)) k = firstIndexAbove(frameRaf, t);
    paintFrame[j] = k < frameTs.length && frameAfter[k] >= 0 ? k : -1;
  }
  const paintOf = (j) => (j >= 0 && paintFrame[j] >= 0 ? frameAfter[paintFrame[j]] : null);

  const finalWrite = Math.max(raw.lastAnswerWrite, raw.stateWrite);
  const finalPaint = paintOf(finalWrite);
  const clickAt = raw.clickAt;

  // Reads that delivered bytes.
  const readT = [];
  for (let i = 0; i < reads.length; i += 2) if (reads[i + 1] > 0) readT.push(reads[i]);
  const lastByte = readT[readT.length - 1];

  // Chunk read → paint: the first write of the answer at or after the read, and its paint.
  const answerWrites = [];
  for (let j = 0; j < nWrites; j++) if (writes[3 * j + 2] & 1) answerWrites.push(j);
  const lat = [];
  let w = 0;
  for (const t of readT) {
    while (w < answerWrites.length && writes[3 * answerWrites[w]] < t) w++;
    if (w >= answerWrites.length) break;
    const p = paintOf(answerWrites[w]);
    if (p != null) lat.push(p - t);
  }
  lat.sort((a, b) => a - b);

  // First token: the read that delivered it (last read before the write that made the answer
  // non-empty) → that write's paint, in frames (1 = the very next frame) and ms.
  let firstFrames = null;
  let firstMs = null;
  if (raw.firstTextWrite >= 0) {
    const tw = writes[3 * raw.firstTextWrite];
    const ri = firstIndexAbove(readT, tw) - 1;
    const pk = paintFrame[raw.firstTextWrite];
    if (ri >= 0 && pk >= 0) {
      const tr = readT[ri];
      firstFrames = pk - firstIndexAbove(frameRaf, tr) + 1;
      firstMs = frameAfter[pk] - tr;
    }
  }

  // DOM writes per painted frame, during the turn.
  const perFrame = new Map();
  for (let j = 0; j < nWrites; j++) {
    const t = writes[3 * j];
    if (t < clickAt || paintFrame[j] < 0) continue;
    perFrame.set(paintFrame[j], (perFrame.get(paintFrame[j]) || 0) + 1);
  }
  const counts = [...perFrame.values()];
  // Where frames got more than one DOM write: when (ms after Send) and by what (rAF or task).
  const multi = [...perFrame.entries()].filter(([, c]) => c > 1).slice(0, 6).map(([k]) => {
    const ws = [];
    for (let j = 0; j < nWrites; j++) {
      if (paintFrame[j] !== k || writes[3 * j] < clickAt) continue;
      ws.push(`${writes[3 * j + 1] === -1 ? 'task' : 'rAF'}${writes[3 * j + 2] & 1 ? '+answer' : ''}${writes[3 * j + 2] & 2 ? '+state' : ''}`);
    }
    return { at_ms: +(frameRaf[k] - clickAt).toFixed(1), writes: ws };
  });
  const framesInTurn = frameRaf.filter((t) => t >= clickAt && t <= finalPaint).length;

  // CDP counters (seconds → ms).
  const d = (k, a = m0, b = m1) => (b[k] - a[k]) * 1000;
  const wall = d('Timestamp');
  const layoutMs = d('LayoutDuration');
  const writeFrames = perFrame.size;

  // Late-stream layout: from the CDP sample at ≥ 80% of the turn to the end, per writing frame.
  const tEnd = m1.Timestamp;
  // The last sample at or before 80% of the turn (m0 if none: then "late" is the whole turn).
  const cut = m0.Timestamp + 0.8 * (tEnd - m0.Timestamp);
  const late = samples.filter((s) => s.Timestamp <= cut).pop() ?? m0;
  const lateStartPage = pageT0 + (late.Timestamp - m0.Timestamp) * 1000;
  let lateWriteFrames = 0;
  for (const k of perFrame.keys()) if (frameRaf[k] >= lateStartPage) lateWriteFrames++;
  const lateLayout = d('LayoutDuration', late, m1);

  const longtasks = raw.longtasks.filter((e) => e.start >= clickAt - 1);
  const loafs = raw.loafs.filter((e) => e.start >= clickAt - 1);
  const mb = (x) => (x == null ? null : x / 2 ** 20);

  return {
    impl,
    stream: stream.name,
    endState: raw.endState,
    complete: raw.complete,
    answerChars: raw.answerChars,
    wall_ms: finalPaint - clickAt,
    server_ms: server && server.lastByteAt != null ? server.lastByteAt - server.firstByteAt : null,
    server_events: server?.events ?? null,
    server_writes: server?.writes ?? null,
    cdp_wall_ms: wall,
    busy_pct: (100 * d('TaskDuration')) / wall,
    task_ms: d('TaskDuration'),
    script_ms: d('ScriptDuration'),
    layout_ms: layoutMs,
    recalc_ms: d('RecalcStyleDuration'),
    layout_count: m1.LayoutCount - m0.LayoutCount,
    recalc_count: m1.RecalcStyleCount - m0.RecalcStyleCount,
    long_tasks: longtasks.length,
    longest_task_ms: longtasks.reduce((m, e) => Math.max(m, e.duration), 0),
    loafs: loafs.length,
    longest_loaf_ms: loafs.reduce((m, e) => Math.max(m, e.duration), 0),
    loaf_blocking_ms: loafs.reduce((s, e) => s + (e.blocking || 0), 0),
    loaf_top_scripts: loafs
      .flatMap((e) => e.scripts)
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 5),
    frames: framesInTurn,
    write_frames: writeFrames,
    max_writes_per_frame: counts.length ? Math.max(...counts) : 0,
    multi_write_frames: counts.filter((c) => c > 1).length,
    multi_write_detail: multi,
    layout_per_frame_ms: writeFrames ? layoutMs / writeFrames : null,
    layout_per_frame_late_ms: lateWriteFrames ? lateLayout / lateWriteFrames : null,
    first_token_frames: firstFrames,
    first_token_ms: firstMs,
    chunk_p50_ms: percentile(lat, 50),
    chunk_p95_ms: percentile(lat, 95),
    chunk_max_ms: lat.length ? lat[lat.length - 1] : null,
    chunks_measured: lat.length,
    last_byte_paint_ms: finalPaint - lastByte,
    reads: readT.length,
    heap_mb: mb(m2.JSHeapUsedSize),
    heap_peak_delta_mb: mb(m1.JSHeapUsedSize - m0.JSHeapUsedSize),
    dom_nodes: m2.Nodes,
    wasm_mb_before: mb(wasmBefore),
    wasm_mb: mb(raw.wasmBytes),
  };
}

// ---------------------------------------------------------------------------------------------
// Memory: repeated streams in one page.

async function memoryRun(env, impl) {
  const { context, page, cdp, errors } = await openPage(env, impl, MEMORY_STREAM);
  const out = [];
  try {
    const ui = UI[impl];
    for (let i = 0; i < opts.memoryRepeats; i++) {
      await page.evaluate((answer) => __bench.arm({ answer }), ui.answer);
      await page.evaluate((send) => __bench.click(send), ui.send);
      const turn = page.evaluate(() => __bench.done);
      turn.catch(() => {}); // rejected when the context closes after a turn that did not end
      const st = await Promise.race([turn, sleep(deadlineMs(MEMORY_STREAM)).then(() => 'no end of turn')]);
      if (st === 'no end of turn') {
        out.push({ dnf: true, deadline_s: deadlineMs(MEMORY_STREAM) / 1000 });
        break;
      }
      const complete = await page.evaluate((s) => __bench.collect(s).complete, SENTINEL);
      await page.evaluate(() => __bench.disarm());
      if ((st !== 'done' || !complete) && ui.peer) {
        out.push({ failed: true, endState: st });
        break;
      }
      if (st !== 'done' || !complete) throw new Error(`${impl} memory run ${i + 1}: ended "${st}", complete ${complete}; ${errors.join('; ')}`);
      await page.locator('[data-testid="clear"]').click();
      await page.waitForFunction((answer) => __bench.count(answer) === 0, ui.answer, { timeout: 10_000 });
      await page.locator(ui.prompt).fill('hi');
      await page.locator(ui.send).waitFor({ state: 'visible', timeout: 10_000 });
      await sleep(300);
      await cdp.send('HeapProfiler.collectGarbage');
      const m = await metricsOf(cdp);
      const wasm = await page.evaluate(() => __bench.wasmBytes());
      out.push({ wasm_mb: wasm == null ? null : wasm / 2 ** 20, heap_mb: m.JSHeapUsedSize / 2 ** 20, nodes: m.Nodes });
    }
  } finally {
    await context.close().catch(() => {});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report.

/** Rows of a stream's table: [key, label, digits, target?]. A target is [op, value] on ours,
 *  or ['ratio', value] on ours / baseline. */
function rowsFor(s) {
  return [
    ['wall_ms', 'Send → final paint (ms)', 0, s.wallTarget ? ['<=', s.wallTarget] : null],
    ['server_ms', 'server first → last byte (ms)', 0],
    ['busy_pct', 'main thread busy (% of wall)', 1, s.busyTarget ? ['<=', s.busyTarget] : null],
    ['task_ms', 'Task (ms)', 0, ['ratio', 1.0]],
    ['script_ms', 'Script (ms; CDP, misses JS run as promise reactions)', 0],
    ['layout_ms', 'Layout (ms)', 0],
    ['recalc_ms', 'RecalcStyle (ms)', 0],
    ['long_tasks', 'long tasks ≥ 50 ms', 0, ['<=', 0]],
    ['longest_task_ms', 'longest task (ms)', 0],
    ['loafs', 'long animation frames ≥ 50 ms', 0],
    ['loaf_blocking_ms', 'LoAF blocking time (ms)', 0],
    ['frames', 'frames painted', 0],
    ['write_frames', 'frames with a DOM write', 0],
    ['max_writes_per_frame', 'max DOM writes in a frame', 0, ['<=', 1]],
    ['multi_write_frames', 'frames with > 1 DOM write', 0],
    ['layout_count', 'layouts', 0],
    ['layout_per_frame_ms', 'layout per DOM-writing frame (ms)', 3, ['<=', 1]],
    ['layout_per_frame_late_ms', '… in the last 20% of the turn (ms)', 3, ['<=', 1]],
    ['first_token_frames', 'first token read → paint (frames)', 0, ['<=', 1]],
    ['first_token_ms', 'first token read → paint (ms)', 1],
    ['chunk_p50_ms', 'chunk read → paint p50 (ms)', 1],
    ['chunk_p95_ms', 'chunk read → paint p95 (ms)', 1, s.chunkP95Target ? ['<=', s.chunkP95Target, 'ratio', 1.0] : ['ratio', 1.0]],
    ['chunk_max_ms', 'chunk read → paint max (ms)', 1],
    ['last_byte_paint_ms', 'last byte → final paint (ms)', 1, s.lastByteTarget ? ['<=', s.lastByteTarget] : null],
    ['reads', 'network reads', 0],
    ['heap_mb', 'JS heap after GC (MB)', 2],
    ['dom_nodes', 'DOM nodes at the end', 0],
    ['wasm_mb', 'wasm memory (MB)', 2, s.wasmTarget ? ['<=', s.wasmTarget] : null],
  ];
}

function targetText(t) {
  if (!t) return '';
  const parts = [];
  for (let i = 0; i < t.length; i += 2) parts.push(t[i] === 'ratio' ? `ours/base ≤ ${t[i + 1]}` : `≤ ${fmt(t[i + 1], t[i + 1] % 1 ? 1 : 0)}`);
  return parts.join(', ');
}

function targetMet(t, ours, base) {
  if (!t || ours == null) return '';
  const parts = [];
  for (let i = 0; i < t.length; i += 2) {
    if (t[i] === 'ratio') parts.push(base == null || base === 0 ? '?' : ours / base <= t[i + 1] ? 'met' : 'NOT met');
    else parts.push(ours <= t[i + 1] ? 'met' : 'NOT met');
  }
  return parts.join(', ');
}

/** "12.5% of the answer on the page after 118 s" for a run that did not finish. */
const dnfProgress = (r) =>
  r.answer_pct == null
    ? 'the page never answered: one long task'
    : `${fmt(r.answer_pct, 1)}% of the answer on the page ${fmt(r.answer_at_s, 0)} s after Send, the page's last answer`;

/** A run that finished with the whole answer (the others are reported, not measured). */
const measured = (r) => !r.dnf && !r.failed;

/** The implementations that have results in `results` (the canonical order). */
const implsIn = (results) => Object.keys(UI).filter((impl) => results.some((r) => r.impl === impl));

function table(s, results) {
  const of = (impl) => results.filter((r) => r.impl === impl && r.stream === s.name);
  const finished = (impl) => of(impl).filter(measured);
  const med = (impl, key) => median(finished(impl).map((r) => r[key]));
  const impls = implsIn(results.filter((r) => r.stream === s.name));
  const others = impls.filter((i) => i !== 'ours');
  const ratios = impls.includes('ours') ? others : [];
  const n = Math.max(...impls.map((i) => of(i).length));
  const head = [`${s.label} (median of ${n})`, ...impls, ...ratios.map((o) => `ours / ${o}`), 'target', ''];
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1, -2).map(() => '---:').join('|')}|---|---|`];
  for (const [key, label, digits, target] of rowsFor(s)) {
    const vals = Object.fromEntries(impls.map((i) => [i, med(i, key)]));
    const cells = impls.map((i) => fmt(vals[i], digits));
    const rs = ratios.map((o) => {
      const r = vals.ours != null && vals[o] != null && vals[o] !== 0 ? vals.ours / vals[o] : null;
      return r == null ? '–' : fmt(r, 2);
    });
    lines.push(`| ${label} | ${[...cells, ...rs].join(' | ')} | ${targetText(target)} | ${targetMet(target, vals.ours, vals.baseline)} |`);
  }
  const notes = [];
  for (const impl of impls) {
    const failed = of(impl).filter((r) => r.failed);
    if (failed.length) {
      notes.push(
        `${impl}: ${failed.length} of ${of(impl).length} run(s) ended "${failed[0].endState}" without the whole answer on the page ` +
          `(${failed.map((r) => `${fmt(r.answer_pct, 1)}%, ending ${JSON.stringify(r.answerTail.slice(-30))}`).join('; ')})` +
          (finished(impl).length ? '; its column is the median of the other runs' : '; its column is empty'),
      );
    }
    const dnf = of(impl).filter((r) => r.dnf);
    if (!dnf.length) continue;
    notes.push(
      `${impl}: ${dnf.length} of ${of(impl).length} run(s) did not finish within ${fmt(dnf[0].deadline_s, 0)} s` +
        ` (${dnf.map(dnfProgress).join('; ')})` +
        (finished(impl).length ? '; its column is the median of the runs that finished' : '; its column is empty'),
    );
  }
  return lines.join('\n') + (notes.length ? `\n\n${notes.map((x) => `- ${x}`).join('\n')}` : '');
}

function memoryTable(mem) {
  const impls = Object.keys(mem);
  const cols = impls.flatMap((impl) => (impl === 'ours' ? ['ours wasm (MB)', 'ours JS heap (MB)', 'ours DOM nodes'] : [`${impl} JS heap (MB)`, `${impl} DOM nodes`]));
  const lines = [`| after stream | ${cols.join(' | ')} |`, `|---:|${cols.map(() => '---:').join('|')}|`];
  const n = Math.max(...Object.values(mem).map((m) => m.length));
  for (let i = 0; i < n; i++) {
    const cells = [];
    for (const [impl, rows] of Object.entries(mem)) {
      const r = rows[i] || {};
      const dnf = r.dnf ? `no end after ${fmt(r.deadline_s, 0)} s` : r.failed ? `ended "${r.endState}", answer incomplete` : null;
      if (impl === 'ours') cells.push(dnf ?? fmt(r.wasm_mb, 2));
      cells.push(dnf ?? fmt(r.heap_mb, 2), dnf ? '' : fmt(r.nodes, 0));
    }
    lines.push(`| ${i + 1} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main.

function printHeader(header, runs) {
  console.log('# Browser streaming benchmark: ours (release build) vs a vanilla-JS baseline and deep-chat');
  console.log(`date ${header.date}; Chromium ${header.chromium} (headless, ${CHROMIUM}); node ${header.node}; ${header.rustc}; wasm-opt: ${header.wasmOpt}`);
  console.log(`playwright-core ${header.playwright}; eventsource-parser ${header.eventsourceParser}; deep-chat ${header.deepChat ?? '–'} (connection: ${header.deepChatConnection ?? 'connect'}); ${header.cpus} CPUs (${header.cpuModel}), ${header.memGiB} GiB; git ${header.git}`);
  console.log(`dist ${header.dist}: ${header.wasm.join('; ')}`);
  console.log(`load average at start: ${header.loadAtStart.join(' ')}`);
  if (header.loadAtStart[0] > 0.5) console.log('WARNING: the machine is not quiet (1-minute load > 0.5): timings will be inflated.');
  console.log(`${runs} run(s) per stream and implementation, alternating (the order rotates every run), each in a fresh browser context.\n`);
}

function printMemory(memory, repeats, tokens) {
  console.log(`Memory: ${repeats} streams of ${tokens} tokens (burst) in one page, Clear between, after GC:\n`);
  console.log(memoryTable(memory));
  if (memory.ours?.length && memory.ours.every(measured)) {
    const w = memory.ours.map((m) => m.wasm_mb);
    let stableFrom = w.length;
    while (stableFrom > 1 && w[stableFrom - 2] === w[w.length - 1]) stableFrom--;
    console.log(
      `\nwasm memory after stream 2 → ${w.length}: ${fmt(w[1], 2)} → ${fmt(w[w.length - 1], 2)} MB (target: no growth): ` +
        `${w[w.length - 1] <= w[1] ? 'met' : 'NOT met'}` +
        (stableFrom < w.length ? `; unchanged from stream ${stableFrom} on` : ''),
    );
  }
}

if (opts.report) {
  const saved = JSON.parse(fs.readFileSync(opts.report, 'utf8'));
  printHeader(saved.header, saved.options.runs);
  for (const s of saved.streams) console.log(`${table(s, saved.runs)}\n`);
  if (saved.memory && Object.keys(saved.memory).length) printMemory(saved.memory, saved.options.memoryRepeats, saved.memoryTokens ?? MEMORY_STREAM.tokens);
  process.exit(0);
}

const dist = ensureDist();
const replay = await startReplay([...new Set([...STREAMS.map((s) => s.tokens), MEMORY_STREAM.tokens])]);
const ours = await startStaticServer({ root: dist, port: 0 });
const base = await startStaticServer({ root: REPO, port: 0 });
const browser = await launch();
const env = { replay, ours, base, browser };
const header = machineHeader(browser.version(), dist);

printHeader(header, opts.runs);

const results = [];
const memory = {};
try {
  for (const s of STREAMS) {
    for (let r = 0; r < opts.runs; r++) {
      for (const impl of rotation(IMPLS, r)) {
        // A stream an implementation did not finish once is not repeated (it costs the deadline).
        if (!opts.repeatDnf && results.some((x) => x.impl === impl && x.stream === s.name && x.dnf)) continue;
        const load1 = +os.loadavg()[0].toFixed(2);
        const res = await runOnce(env, impl, s);
        res.run = r + 1;
        res.load1 = load1;
        results.push(res);
        if (res.failed) {
          console.log(
            `  ${s.name.padEnd(5)} ${impl.padEnd(9)} run ${r + 1}: ended "${res.endState}" with ${fmt(res.answer_pct, 1)}% of the answer ` +
              `(ending ${JSON.stringify(res.answerTail.slice(-30))}) (load ${load1})`,
          );
          continue;
        }
        if (res.dnf) {
          console.log(
            `  ${s.name.padEnd(5)} ${impl.padEnd(9)} run ${r + 1}: did not finish within ${fmt(res.deadline_s, 0)} s ` +
              `(${dnfProgress(res)}) (load ${load1})`,
          );
          continue;
        }
        console.log(
          `  ${s.name.padEnd(5)} ${impl.padEnd(9)} run ${r + 1}: wall ${fmt(res.wall_ms, 0)} ms, busy ${fmt(res.busy_pct, 1)}%, ` +
            `chunk→paint p95 ${fmt(res.chunk_p95_ms, 1)} ms, last byte→paint ${fmt(res.last_byte_paint_ms, 1)} ms, ` +
            `long tasks ${res.long_tasks}, max writes/frame ${res.max_writes_per_frame}` +
            (res.wasm_mb != null ? `, wasm ${fmt(res.wasm_mb, 2)} MB` : '') +
            ` (load ${load1})`,
        );
      }
    }
    console.log(`\n${table(s, results)}\n`);
  }
  if (opts.memory) {
    for (const impl of IMPLS) memory[impl] = await memoryRun(env, impl);
    printMemory(memory, opts.memoryRepeats, MEMORY_STREAM.tokens);
  }
} finally {
  await browser.close().catch(() => {});
  replay.close();
  await ours.close();
  await base.close();
}

const medians = {};
for (const s of STREAMS) {
  medians[s.name] = {};
  for (const impl of IMPLS) {
    const rs = results.filter((r) => r.impl === impl && r.stream === s.name && measured(r));
    medians[s.name][impl] = Object.fromEntries(
      Object.keys(rs[0] || {})
        .filter((k) => typeof rs[0][k] === 'number')
        .map((k) => [k, median(rs.map((r) => r[k]))]),
    );
  }
}
fs.mkdirSync(path.dirname(opts.out), { recursive: true });
fs.writeFileSync(opts.out, JSON.stringify({ header, options: opts, streams: STREAMS, medians, runs: results, memory, memoryTokens: MEMORY_STREAM.tokens }, null, 1));
console.log(`\nload average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`raw results: ${path.relative(process.cwd(), opts.out) || opts.out}`);
