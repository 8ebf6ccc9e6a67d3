// The latency lab against a REAL server: llama.cpp's llama-server with Gemma 3 270M (started by
// local/llama-server.sh, one thread), two targets (the same server with two max-tokens values),
// N runs each. The client's figures are checked against the server's own `timings` of each run,
// and the per-target table is printed for the record.
//
//   node --test --test-concurrency=1 e2e/real/lab.test.mjs
//
// Env: E2E_LLAMA_PORT (default 18083), E2E_LAB_RUNS (default 5), E2E_LAB_MAX (default "16,48":
// the two targets' max tokens).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { assertBuilt, launchBrowser, DIST_DIR, sel } from '../helpers.mjs';
import { startStaticServer } from '../static-server.mjs';
import { startLlama, freePort, withPage, openUrl, MODEL } from './lib.mjs';

const RUNS = Number(process.env.E2E_LAB_RUNS) || 5;
const [MAX_A, MAX_B] = (process.env.E2E_LAB_MAX || '16,48').split(',').map(Number);
const PROMPT = 'Count to 20, with a comma between each number and no newlines. E.g., 1, 2, 3, ...';
// Up to 256 tokens at 25-80 tokens/s on one thread of a busy 2-core machine, 2 × (N + 1) runs.
const TEST_TIMEOUT = 900_000;

let web, browser, llama;

before(async () => {
  assertBuilt();
  web = await startStaticServer({ root: DIST_DIR, port: 0 });
  llama = await startLlama({ port: await freePort(Number(process.env.E2E_LLAMA_PORT) || 18083) });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await llama?.stop().catch((e) => console.error('stopping llama-server:', e));
  await web?.close();
});

process.on('exit', () => {
  try {
    if (llama?.pid) process.kill(llama.pid, 'SIGKILL');
  } catch {}
});

const f1 = (v) => (v == null ? '–' : Number(v).toFixed(1));

test(`lab: ${RUNS} runs × 2 targets (max tokens ${MAX_A} / ${MAX_B}) against llama-server, checked against its timings`, { timeout: TEST_TIMEOUT }, (t) =>
  withPage(browser, t, async (page) => {
    const u = new URL(`${web.url}/`);
    for (const [k, v] of Object.entries({
      endpoint: llama.url, model: MODEL, stream: 'true', max_tokens: String(MAX_A), temperature: '0', prompt: PROMPT, runs: String(RUNS),
    })) u.searchParams.set(k, v);
    await openUrl(page, u.toString());
    await page.locator(sel('lab')).waitFor({ state: 'visible' });
    await page.locator(sel('lab-add-target')).click();
    await page.locator(sel('lab-target-max-tokens')).fill(String(MAX_B));
    await page.locator(sel('lab-run')).click();
    await page.waitForFunction((s) => ['done', 'stopped'].includes(document.querySelector(s)?.dataset.state), sel('lab'),
      { timeout: TEST_TIMEOUT - 60_000, polling: 500 });
    assert.equal(await page.locator(sel('lab')).getAttribute('data-state'), 'done');

    const results = await page.locator(sel('lab-result')).evaluateAll((els) => els.map((el) => ({ ...el.dataset })));
    assert.equal(results.length, 2);
    for (const r of results) {
      assert.equal(Number(r.runs), RUNS, `target ${r.target}: every run counted`);
      assert.equal(Number(r.errors), 0, `target ${r.target}: no errors`);
    }

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(sel('lab-export-json')).click()]);
    const report = JSON.parse(await fsp.readFile(await download.path(), 'utf8'));
    assert.equal(report.records.length, 2 * RUNS);
    for (const r of report.records) {
      const s = r.server;
      assert.ok(s, `run ${r.target + 1}/${r.run}: llama.cpp sent timings`);
      assert.equal(r.token_source, 'usage', 'llama-server sends usage');
      assert.equal(r.output_tokens, s.predicted_n, 'usage and timings agree on the token count');
      // The server's prompt and generation happen within the client's request.
      assert.ok(r.ttft_ms >= s.prompt_ms - 1, `TTFT ${r.ttft_ms} ms >= the server's prompt time ${s.prompt_ms} ms`);
      assert.ok(r.e2e_ms >= s.prompt_ms + s.predicted_ms - 2,
        `E2E ${r.e2e_ms} ms >= server prompt + generation ${s.prompt_ms + s.predicted_ms} ms`);
      if (r.output_tokens >= 8 && r.tpot_ms != null) {
        // The client's TPOT is the server's per-token time plus transport: close, never far.
        const serverTpot = s.predicted_ms / s.predicted_n;
        assert.ok(r.tpot_ms > 0.5 * serverTpot && r.tpot_ms < 2 * serverTpot,
          `TPOT ${r.tpot_ms} ms vs the server's ${serverTpot.toFixed(2)} ms per token`);
      }
      assert.equal(r.itl_ms.length, r.token_chunks - 1, 'one gap between each two token chunks');
    }

    const rows = report.summaries.map((s, i) => {
      const tgt = report.targets[i];
      return `| ${i + 1}. max ${tgt.max_tokens} | ${s.runs} | ${s.errors} | ${f1(s.ttft_ms?.p50)} / ${f1(s.ttft_ms?.p90)} / ${f1(s.ttft_ms?.p99)} | ` +
        `${f1(s.tpot_ms?.p50)} / ${f1(s.tpot_ms?.p90)} / ${f1(s.tpot_ms?.p99)} | ${f1(s.itl_ms?.p50)} / ${f1(s.itl_ms?.p90)} / ${f1(s.itl_ms?.p99)} | ` +
        `${f1(s.e2e_ms?.p50)} / ${f1(s.e2e_ms?.p90)} / ${f1(s.e2e_ms?.p99)} | ${f1(s.tokens_per_second?.p50)} | ${f1(s.server_tokens_per_second?.p50)} | ` +
        `${f1(s.server_prompt_ms?.p50)} | ${f1(s.output_tokens?.mean)} |`;
    });
    console.log([
      `[real/lab] ${RUNS} runs per target, warm-up on, concurrency 1, ${MODEL} on llama-server (1 thread)`,
      '| target | runs | errors | TTFT p50/p90/p99 ms | TPOT p50/p90/p99 ms | ITL p50/p90/p99 ms | E2E p50/p90/p99 ms | tok/s p50 | server tok/s p50 | server prompt ms p50 | tokens mean |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'));
  }));
