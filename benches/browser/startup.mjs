// Start-up benchmark: how long until the prompt box is usable, from navigation start, for our
// full app page, our two-line embed, the vanilla-JS page and deep-chat, on a desktop profile
// and a mid-range phone profile, in headless Chromium. See benches/browser/README.md.
//
//   node benches/browser/startup.mjs [--runs 5] [--device desktop,phone] [--only app,embed,baseline,deep-chat]
//                                    [--dist DIR] [--app index.html] [--loader chat-stream.js]
//                                    [--compress gzip|br|none] [--out target/bench-startup/results.json]
//   node benches/browser/startup.mjs --report target/bench-startup/results.json   # tables again, no run
//
// Benchmarks are not tests: this prints numbers and exits 0 whatever they are; it fails only when
// something does not work (no build, a page whose prompt never becomes usable).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressedSizes, startSiteServer } from './site-server.mjs';
import {
  CHROMIUM,
  IMPLS as UI,
  PATH_ENV,
  REPO,
  blockExternal,
  ensureDist,
  fmt,
  launch,
  median,
  packageVersion,
  parseCli,
  ratio,
  rotation,
  sh,
  sleep,
} from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------
// Options.

const SPEC = {
  '--runs': 'value',
  '--device': 'value',
  '--only': 'value',
  '--dist': 'value',
  '--app': 'value',
  '--loader': 'value',
  '--compress': 'value',
  '--warmup': 'value',
  '--timeout': 'value',
  '--out': 'value',
  '--report': 'value',
  '--help': 'flag',
  '-h': 'flag',
};
const cli = parseCli(process.argv.slice(2), SPEC);
if (cli['--help'] || cli['-h']) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(4, 8).join('\n'));
  console.log('  --warmup N     untimed loads of every page and device first (default 1)');
  console.log('  --timeout S    a page whose prompt is not usable after S s fails the run (default 60)');
  process.exit(0);
}

/** The devices. The phone: a mid-range phone on a slow 4G link (Lighthouse's mobile profile). */
const DEVICES = {
  desktop: { label: 'desktop (no throttling)', viewport: { width: 1100, height: 1000 } },
  phone: {
    label: 'mid-range phone (CPU ×4 slower, 1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT)',
    viewport: { width: 412, height: 915 },
    cpu: 4,
    network: { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) | 0, uploadThroughput: (750e3 / 8) | 0 },
  },
};

/** The pages. `ui` gives the prompt and send selectors (lib.mjs). */
const TARGETS = {
  app: { label: 'ours (app)', ui: UI.ours },
  embed: { label: 'ours (embed)', ui: UI.ours },
  baseline: { label: 'baseline', ui: UI.baseline },
  'deep-chat': { label: 'deep-chat', ui: UI['deep-chat'] },
};

const opts = {
  runs: Math.max(1, Number(cli['--runs'] ?? 5)),
  devices: (cli['--device'] ?? 'desktop,phone').split(',').filter(Boolean),
  targets: (cli['--only'] ?? Object.keys(TARGETS).join(',')).split(',').filter(Boolean),
  dist: cli['--dist'] ? path.resolve(cli['--dist']) : null,
  app: cli['--app'] ?? 'index.html',
  loader: cli['--loader'] ?? 'chat-stream.js',
  compress: cli['--compress'] ?? 'gzip',
  warmup: Math.max(0, Number(cli['--warmup'] ?? 1)),
  timeoutMs: Math.max(1, Number(cli['--timeout'] ?? 60)) * 1000,
  out: path.resolve(cli['--out'] ?? path.join(REPO, 'target/bench-startup/results.json')),
  report: cli['--report'] ? path.resolve(cli['--report']) : null,
};
for (const d of opts.devices) if (!DEVICES[d]) throw new Error(`--device: ${d}? (${Object.keys(DEVICES).join(', ')})`);
for (const t of opts.targets) if (!TARGETS[t]) throw new Error(`--only: ${t}? (${Object.keys(TARGETS).join(', ')})`);
opts.targets = Object.keys(TARGETS).filter((t) => opts.targets.includes(t));

// ---------------------------------------------------------------------------------------------
// Pages.

/** The host page of the embed: the two lines of the README, nothing else that runs. */
function embedPage(loaderUrl, endpoint) {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />
    <title>chat-stream embed (start-up benchmark)</title>
    <script type="module" src="${loaderUrl}"></script>
  </head>
  <body>
    <chat-stream endpoint="${endpoint}" model="bench"></chat-stream>
  </body>
</html>
`;
}

function pageUrl(site, target) {
  // No request is made during start-up; the endpoint only has to be a URL.
  const endpoint = `${site.url}/v1`;
  const q = (base, params) => {
    const u = new URL(base);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  };
  if (target === 'app') return q(`${site.url}/app/${opts.app}`, { endpoint, model: 'bench' });
  if (target === 'embed') return `${site.url}/embed/index.html`;
  return q(`${site.url}/repo/benches/browser/${target}/index.html`, { endpoint, model: 'bench' });
}

// ---------------------------------------------------------------------------------------------
// One load.

const PROBE = fs.readFileSync(path.join(HERE, 'startup-probe.js'), 'utf8');

async function loadOnce(env, target, device) {
  const dev = DEVICES[device];
  const context = await env.browser.newContext({ viewport: dev.viewport });
  const blocked = [];
  await blockExternal(context, blocked);
  const { prompt, send } = TARGETS[target].ui;
  await context.addInitScript({ content: `window.__startupConfig = ${JSON.stringify({ prompt, send })};\n${PROBE}` });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (dev.network) await cdp.send('Network.emulateNetworkConditions', dev.network);
    if (dev.cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: dev.cpu });
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
    await page.goto(pageUrl(env.site, target), { waitUntil: 'commit', timeout: opts.timeoutMs });
    const ready = await Promise.race([page.evaluate(() => __startup.ready), sleep(opts.timeoutMs).then(() => null)]);
    if (ready == null) {
      const st = await page.evaluate(() => ({ ...__startup, ready: undefined, collect: undefined })).catch(() => null);
      throw new Error(`${target} on ${device}: the prompt was not usable after ${opts.timeoutMs / 1000} s (${JSON.stringify(st)}); ${errors.join('; ')}`);
    }
    const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    // Let late requests finish (all of them count in "files the page loads").
    await sleep(device === 'phone' ? 1500 : 500);
    const raw = await page.evaluate(() => __startup.collect());
    // Not timed: a real key press reaches the box (the probe's "x" was typed from script).
    if (dev.cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    const box = page.locator(prompt).first();
    await box.press('End');
    await box.pressSequentially('y');
    const value = await box.evaluate((el) => ('value' in el && typeof el.value === 'string' ? el.value : el.textContent));
    if (!value.includes('xy')) throw new Error(`${target} on ${device}: a real key press did not reach the prompt (it holds ${JSON.stringify(value)})`);
    return analyse(target, device, raw, m, blocked, errors);
  } finally {
    await context.close().catch(() => {});
  }
}

function analyse(target, device, raw, m, blocked, errors) {
  const before = (t) => t != null && t <= raw.readyAt;
  const lts = raw.longtasks.filter((e) => e.start < raw.readyAt);
  const resBefore = raw.resources.filter((r) => before(r.end));
  const sum = (xs, k) => xs.reduce((s, x) => s + (x[k] || 0), 0);
  return {
    target,
    device,
    ready_ms: raw.readyAt,
    prompt_ms: raw.promptAt,
    fcp_ms: raw.fcp,
    dcl_ms: raw.dclAt,
    long_tasks: lts.length,
    long_task_ms: sum(lts, 'duration'),
    longest_task_ms: lts.reduce((x, e) => Math.max(x, e.duration), 0),
    blocking_ms: lts.reduce((s, e) => s + Math.max(0, e.duration - 50), 0),
    kb_before: sum(resBefore, 'transfer') / 1024,
    requests_before: resBefore.length,
    kb_total: sum(raw.resources, 'transfer') / 1024,
    requests_total: raw.resources.length,
    heap_mb: m.JSHeapUsedSize / 2 ** 20,
    typings: raw.typings,
    method: raw.method,
    resources: raw.resources,
    blocked_requests: blocked.length ? blocked : undefined,
    console_errors: errors.length ? errors.slice(0, 5) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Sizes: the files each page loaded, from disk, raw / gzip -9 / brotli q11.

function sizesOf(env, results) {
  const out = {};
  for (const target of opts.targets) {
    const r = results.find((x) => x.target === target && x.device === 'desktop') ?? results.find((x) => x.target === target);
    if (!r) continue;
    const files = [];
    for (const res of r.resources) {
      const u = new URL(res.url);
      if (u.origin !== env.site.url) continue;
      const hit = env.site.resolve(decodeURIComponent(u.pathname));
      if (!hit) continue;
      const buf = hit.body ?? fs.readFileSync(hit.file);
      const name = hit.file ? path.relative(REPO, hit.file) : `(generated) ${hit.page}`;
      if (!files.some((f) => f.name === name)) files.push({ name, ...compressedSizes(buf) });
    }
    out[target] = files;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report.

const ROWS = [
  ['ready_ms', 'prompt usable (ms from navigation start)', 0],
  ['prompt_ms', '… prompt box rendered and editable (ms)', 0],
  ['fcp_ms', 'first contentful paint (ms)', 0],
  ['dcl_ms', 'DOMContentLoaded (ms)', 0],
  ['long_tasks', 'long tasks ≥ 50 ms before usable', 0],
  ['long_task_ms', 'long-task time before usable (ms)', 0],
  ['longest_task_ms', 'longest task before usable (ms)', 0],
  ['blocking_ms', 'blocking time before usable (ms, Σ task − 50)', 0],
  ['kb_before', 'transferred before usable (KiB)', 1],
  ['requests_before', 'requests before usable', 0],
  ['kb_total', 'transferred in all (KiB)', 1],
  ['heap_mb', 'JS heap when usable (MB, no GC)', 2],
];

function table(device, results) {
  const targets = opts.targets.filter((t) => results.some((r) => r.target === t && r.device === device));
  const med = (t, k) => median(results.filter((r) => r.target === t && r.device === device).map((r) => r[k]));
  const n = Math.max(...targets.map((t) => results.filter((r) => r.target === t && r.device === device).length));
  const ours = targets.filter((t) => t === 'app' || t === 'embed');
  const peers = targets.filter((t) => t === 'baseline' || t === 'deep-chat');
  const pairs = ours.flatMap((o) => peers.map((p) => [o, p]));
  const head = [`${DEVICES[device].label}, median of ${n}`, ...targets.map((t) => TARGETS[t].label), ...pairs.map(([o, p]) => `${o} / ${p}`)];
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`];
  for (const [k, label, digits] of ROWS) {
    const v = Object.fromEntries(targets.map((t) => [t, med(t, k)]));
    const rs = pairs.map(([o, p]) => {
      const r = ratio(v[o], v[p]);
      return r == null || !Number.isFinite(r) ? '–' : fmt(r, 2);
    });
    lines.push(`| ${label} | ${[...targets.map((t) => fmt(v[t], digits)), ...rs].join(' | ')} |`);
  }
  return lines.join('\n');
}

function sizeTable(sizes) {
  const kib = (b) => fmt(b / 1024, 1);
  const lines = ['| files the page loads | files | raw (KiB) | gzip -9 (KiB) | brotli (KiB) | largest file (raw / gzip KiB) |', '|---|---:|---:|---:|---:|---|'];
  for (const [t, files] of Object.entries(sizes)) {
    const tot = (k) => files.reduce((s, f) => s + f[k], 0);
    const big = [...files].sort((a, b) => b.raw - a.raw)[0];
    lines.push(`| ${TARGETS[t].label} | ${files.length} | ${kib(tot('raw'))} | ${kib(tot('gzip'))} | ${kib(tot('brotli'))} | ${big ? `${path.basename(big.name)} ${kib(big.raw)} / ${kib(big.gzip)}` : '–'} |`);
  }
  lines.push('');
  for (const [t, files] of Object.entries(sizes)) {
    lines.push(`${TARGETS[t].label}: ${files.map((f) => `${f.name} ${kib(f.raw)}/${kib(f.gzip)}`).join(', ')}`);
  }
  return lines.join('\n');
}

function printHeader(h) {
  console.log('# Start-up benchmark: prompt usable, ours (app, embed) vs the vanilla-JS page and deep-chat');
  console.log(`date ${h.date}; Chromium ${h.chromium} (headless, ${CHROMIUM}); node ${h.node}; playwright-core ${h.playwright}; deep-chat ${h.deepChat}; git ${h.git}`);
  console.log(`${h.cpus} CPUs (${h.cpuModel}); dist ${h.dist} (page ${h.app}, loader ${h.loader}); served with ${h.compress === 'none' ? 'no compression' : h.compress}, cache disabled`);
  console.log(`load average at start: ${h.loadAtStart.join(' ')}`);
  if (h.loadAtStart[0] > 0.5) console.log('WARNING: the machine is not quiet (1-minute load > 0.5): timings will be inflated.');
  console.log(`${h.runs} run(s) per page and device, alternating (the order rotates every run), each in a fresh browser context; ${h.warmup} untimed warm-up round(s).\n`);
}

function printAll(saved) {
  printHeader(saved.header);
  for (const d of saved.options.devices) console.log(`${table(d, saved.runs)}\n`);
  printNotes(saved);
}

function printNotes(saved) {
  console.log(`${sizeTable(saved.sizes)}\n`);
  const methods = [...new Set(saved.runs.map((r) => `${r.target}: ${r.method}`))];
  const retyped = {};
  for (const r of saved.runs.filter((x) => x.typings > 1)) (retyped[`${r.target} on ${r.device}`] ??= []).push(r.typings);
  const again = Object.entries(retyped).map(([k, v]) => `${k} (${v.length} of ${saved.runs.filter((r) => `${r.target} on ${r.device}` === k).length} runs)`);
  console.log(`probe: typed with ${methods.join(', ')}${again.length ? `; the box dropped the typed character (re-rendered) and it was typed again: ${again.join(', ')}` : ''}`);
  const blocked = saved.runs.filter((r) => r.blocked_requests?.length);
  if (blocked.length) console.log(`blocked external requests: ${[...new Set(blocked.flatMap((r) => r.blocked_requests.map((u) => `${r.target}: ${u}`)))].join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// Main.

if (opts.report) {
  const saved = JSON.parse(fs.readFileSync(opts.report, 'utf8'));
  opts.targets = saved.options.targets;
  printAll(saved);
  process.exit(0);
}

const dist = ensureDist(opts.dist, { required: [opts.app, opts.loader] });
// The embed's endpoint is relative (its own origin): no request is made during start-up anyway.
const site = await startSiteServer({
  mounts: { '/app/': dist, '/repo/': REPO },
  pages: { '/embed/index.html': embedPage(`../app/${opts.loader}`, '/v1') },
  compress: opts.compress,
});
const browser = await launch();
const env = { site, browser };
const header = {
  date: new Date().toISOString(),
  chromium: browser.version(),
  node: process.version,
  playwright: packageVersion('playwright-core'),
  deepChat: packageVersion('deep-chat'),
  git: sh('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], PATH_ENV),
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? '?',
  loadAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  dist,
  app: opts.app,
  loader: opts.loader,
  compress: opts.compress,
  runs: opts.runs,
  warmup: opts.warmup,
};
printHeader(header);

const results = [];
try {
  for (let w = 0; w < opts.warmup; w++) {
    for (const device of opts.devices) for (const t of opts.targets) await loadOnce(env, t, device);
  }
  for (const device of opts.devices) {
    for (let r = 0; r < opts.runs; r++) {
      for (const t of rotation(opts.targets, r)) {
        const load1 = +os.loadavg()[0].toFixed(2);
        const res = await loadOnce(env, t, device);
        res.run = r + 1;
        res.load1 = load1;
        results.push(res);
        console.log(
          `  ${device.padEnd(7)} ${t.padEnd(9)} run ${r + 1}: usable ${fmt(res.ready_ms, 0)} ms, FCP ${fmt(res.fcp_ms, 0)} ms, ` +
            `long tasks ${res.long_tasks} (${fmt(res.long_task_ms, 0)} ms), ${fmt(res.kb_before, 1)} KiB in ${res.requests_before} requests (load ${load1})`,
        );
      }
    }
    console.log(`\n${table(device, results)}\n`);
  }
} finally {
  await browser.close().catch(() => {});
  await env.site.close();
}

const sizes = sizesOf(env, results);
const saved = { header, options: opts, runs: results, sizes };
fs.mkdirSync(path.dirname(opts.out), { recursive: true });
fs.writeFileSync(opts.out, JSON.stringify(saved, null, 1));
printNotes(saved);
console.log(`\nload average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`raw results: ${path.relative(process.cwd(), opts.out) || opts.out}`);
