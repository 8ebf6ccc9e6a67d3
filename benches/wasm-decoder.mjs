// Decoder micro-benchmark in wasm (Node's V8, the engine of Chromium): events/s and MB/s of the
// app's own SseDecoder compiled to wasm32, on the inputs of `cargo bench --bench decoder`.
//
//   node benches/wasm-decoder.mjs            # builds target/wasm-bench with wasm-pack, then runs
//   node benches/wasm-decoder.mjs --no-build
//
// Prints a table; never fails on timing. Run alone: a parallel build inflates timings.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'target', 'wasm-bench');
if (!process.argv.includes('--no-build')) {
  execFileSync('wasm-pack', ['build', '--release', '--target', 'nodejs', '--out-dir', out, '--no-pack',
    '--', '--features', 'wasm-bench'], { cwd: root, stdio: 'inherit' });
}
const { bench_decode: decode } = createRequire(import.meta.url)(path.join(out, 'chat_stream.js'));

const enc = new TextEncoder();
const chunkLine = (i) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1795551457,"model":"bench","choices":[{"index":0,"delta":{"content":" token${i}"},"finish_reason":null}]}\n\n`;
function typical(events) {
  let s = '';
  for (let i = 0; i < events; i++) s += chunkLine(i);
  return enc.encode(s + 'data: [DONE]\n\n');
}
const big = enc.encode(`data: ${'x'.repeat(8 << 20)}\n\n`);
const small = enc.encode(`data: ${'x'.repeat(1 << 20)}\n\n`);

function median(runs, f) {
  const times = [];
  let n = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    n = f();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)], n };
}

const cases = [
  ['typical 2,000 events, 4 KiB reads, + frames', typical(2000), 4096, true, 9],
  ['100k events, 4 KiB reads', typical(100_000), 4096, false, 5],
  ['100k events, 4 KiB reads, + frames', typical(100_000), 4096, true, 5],
  ['one 8 MiB event, one push', big, big.length, false, 5],
  ['one 8 MiB event, 1-byte pushes', big, 1, false, 3],
  ['one 1 MiB event, 1-byte pushes (linearity)', small, 1, false, 3],
];
const rows = [];
for (const [name, bytes, step, parse, runs] of cases) {
  decode(bytes, step, parse); // warm-up (compile tiers)
  const { ms, n } = median(runs, () => decode(bytes, step, parse));
  rows.push({ case: name, 'ms (median)': ms.toFixed(2), events: n,
    'events/s': Math.round(n / (ms / 1000)).toLocaleString('en-US'),
    'MB/s': (bytes.length / 1e6 / (ms / 1000)).toFixed(1) });
}
console.log(`node ${process.version} (V8 ${process.versions.v8}), wasm32 release build of chat-stream`);
console.table(rows);
const one = Number(rows[3]['ms (median)']);
const bytewise = Number(rows[4]['ms (median)']);
const bytewiseSmall = Number(rows[5]['ms (median)']);
console.log(`8 MiB event: 1-byte pushes take ${(bytewise / one).toFixed(2)}× the one-push time`);
console.log(`per pushed byte: ${((bytewise * 1e6) / big.length).toFixed(2)} ns at 8 MiB, ${((bytewiseSmall * 1e6) / small.length).toFixed(2)} ns at 1 MiB (equal = linear, no re-scanning)`);
