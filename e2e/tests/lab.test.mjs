// Latency lab: ?runs=N opens it; against the paced mock (known first-token delay X and gap G) the
// reported percentiles match the pacing within one frame; two targets give two results, measured
// one after the other; Stop keeps what finished; the CSV has the documented columns and one row
// per run; a failing target counts its errors with the server's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { useEnv, openApp, sel, TEST_TIMEOUT, STATE_TIMEOUT, delay, until } from '../helpers.mjs';

const env = useEnv();
const FRAME_MS = 17;

// The CSV's documented columns, in order (README, "Latency lab").
const CSV_COLUMNS = [
  'target', 'target_label', 'endpoint', 'model', 'protocol', 'max_tokens', 'run', 'prompt',
  'started_ms', 'status', 'error', 'http_status', 'headers_ms', 'first_chunk_ms', 'ttft_ms',
  'first_answer_ms', 'first_reasoning_ms', 'second_token_ms', 'e2e_ms', 'output_tokens',
  'output_tokens_source', 'reasoning_tokens', 'token_chunks', 'tpot_ms', 'itl_mean_ms', 'itl_max_ms',
  'tokens_per_second', 'rate_basis', 'server_prompt_ms', 'server_predicted_n',
  'server_tokens_per_second', 'finish_reason',
];

const posts = () => env.completions().filter((e) => e.body);

async function labState(page) {
  return page.locator(sel('lab')).getAttribute('data-state');
}

async function waitLab(page, states, timeout = STATE_TIMEOUT) {
  await page.waitForFunction(
    ([s, want]) => want.includes(document.querySelector(s)?.getAttribute('data-state')),
    [sel('lab'), states],
    { timeout },
  );
  return labState(page);
}

/** Every lab-result's numeric attributes, in target order. */
async function results(page) {
  return page.locator(sel('lab-result')).evaluateAll((els) =>
    els.map((el) => {
      const out = {};
      for (const [k, v] of Object.entries(el.dataset)) out[k] = v === '' ? null : Number(v);
      out.text = el.textContent;
      return out;
    }));
}

function near(actual, expected, what, tolerance = FRAME_MS) {
  assert.ok(Number.isFinite(actual), `${what}: ${actual} is not a number`);
  assert.ok(Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} ms, expected ${expected} ± ${tolerance} ms`);
}

/** RFC 4180 rows (CRLF line ends, quoted fields). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += c;
  }
  assert.equal(field + row.join(''), '', 'the CSV ends with CRLF');
  return rows;
}

test('?runs=N opens the lab with N prefilled; lab-open shows it and is a no-op when it is open', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-paced', params: { runs: '7' } });
    await page.locator(sel('lab')).waitFor({ state: 'visible' });
    assert.equal(await page.locator(sel('lab-runs')).inputValue(), '7');
    await page.locator(sel('lab-open')).click();
    assert.equal(await page.locator(sel('lab')).count(), 1, 'still one lab');
    assert.equal(await page.locator(sel('lab-runs')).inputValue(), '7', 'N kept');
    assert.equal(await labState(page), 'idle');
    assert.equal(posts().length, 0, 'opening the lab sends nothing');

    await openApp(page, env, { model: 'mock-paced' });
    assert.equal(await page.locator(sel('lab')).count(), 0, 'closed without ?runs');
    await page.locator(sel('lab-open')).click();
    await page.locator(sel('lab')).waitFor({ state: 'visible' });
    assert.ok(Number(await page.locator(sel('lab-runs')).inputValue()) >= 1);
  }));

test('paced server: TTFT, ITL, TPOT and E2E percentiles match the pacing within one frame', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const [X, G, N, RUNS] = [300, 50, 8, 6];
    await openApp(page, env, { model: `mock-paced-${X}-${G}-${N}`, params: { runs: String(RUNS), max_tokens: '99' } });
    await page.locator(sel('lab-run')).click();
    assert.equal(await waitLab(page, ['running', 'done']), 'running');
    assert.equal(await waitLab(page, ['done', 'stopped']), 'done');
    const [r] = await results(page);
    assert.equal((await results(page)).length, 1, 'one target, one result');
    assert.equal(r.runs, RUNS, 'every run counted, the warm-up not');
    assert.equal(r.errors, 0);
    near(r.ttftP50, X, 'TTFT p50');
    near(r.ttftP90, X, 'TTFT p90');
    near(r.ttftP99, X, 'TTFT p99');
    assert.ok(r.ttftP50 >= X - 2, `TTFT ${r.ttftP50} cannot precede the server's first token at ${X} ms`);
    near(r.itlP50, G, 'ITL p50');
    near(r.itlP99, G, 'ITL p99');
    near(r.tpotP50, G, 'TPOT p50');
    near(r.e2eP50, X + (N - 1) * G, 'E2E p50');
    // One request per run plus the warm-up, one after another, streamed with usage.
    const sent = posts();
    assert.equal(sent.length, RUNS + 1);
    for (const e of sent) {
      assert.equal(e.body.stream, true);
      assert.equal(e.body.max_tokens, 99);
      assert.equal(e.body.stream_options?.include_usage, true);
      assert.equal(e.body.messages.filter((m) => m.role === 'user').length, 1, 'each run is a one-turn conversation');
    }
    for (let i = 1; i < sent.length; i++) {
      assert.ok(sent[i].t >= sent[i - 1].tEnd - 5, `run ${i + 1} started before run ${i} ended (concurrency 1)`);
    }
    // Server figures from the paced timings (predicted_per_second = 1000 / G) are in the table.
    assert.match(r.text, /Server tokens\/s/);
    assert.equal(await page.locator(`${sel('lab-dot')}[data-kind="ttft"]`).count(), RUNS);
    assert.ok(await page.locator(sel('lab-itl-bar')).count() >= 1, 'the ITL histogram has bars');
  }));

test('two targets give two results, measured one after the other', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const RUNS = 3;
    await openApp(page, env, { model: 'mock-paced-100-20-4', params: { runs: String(RUNS) } });
    await page.locator(sel('lab-add-target')).click();
    await page.locator(sel('lab-target-model')).fill('mock-paced-250-30-5');
    await page.locator(sel('lab-target-max-tokens')).fill('17');
    await page.locator(sel('lab-run')).click();
    assert.equal(await waitLab(page, ['done', 'stopped']), 'done');
    const [a, b] = await results(page);
    assert.equal((await results(page)).length, 2);
    assert.deepEqual([a.target, a.runs, a.errors, b.target, b.runs, b.errors], [0, RUNS, 0, 1, RUNS, 0]);
    near(a.ttftP50, 100, 'target 1 TTFT p50');
    near(a.itlP50, 20, 'target 1 ITL p50');
    near(b.ttftP50, 250, 'target 2 TTFT p50');
    near(b.itlP50, 30, 'target 2 ITL p50');
    near(b.e2eP50, 250 + 4 * 30, 'target 2 E2E p50');
    const models = posts().map((e) => e.body.model);
    assert.deepEqual(models, [...Array(RUNS + 1).fill('mock-paced-100-20-4'), ...Array(RUNS + 1).fill('mock-paced-250-30-5')],
      'target 1 (warm-up + runs), then target 2');
    assert.deepEqual([...new Set(posts().slice(RUNS + 1).map((e) => e.body.max_tokens))], [17]);
  }));

test('Stop keeps the finished runs and starts nothing more', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-paced-100-100-8', params: { runs: '20' } });
    await page.locator(sel('lab-warmup')).uncheck();
    await page.locator(sel('lab-run')).click();
    await page.waitForFunction((s) => Number(document.querySelector(s)?.dataset.runs) >= 2, sel('lab-result'));
    await page.locator(sel('lab-stop')).click();
    assert.equal(await waitLab(page, ['done', 'stopped']), 'stopped');
    const [r] = await results(page);
    assert.ok(r.runs >= 2 && r.runs < 20, `runs kept: ${r.runs}`);
    assert.equal(r.errors, 0, 'the stopped run is neither a run nor an error');
    near(r.ttftP50, 100, 'TTFT p50 of the kept runs');
    const sent = posts().length;
    assert.equal(sent, r.runs + 1, 'the finished runs and the one that was stopped');
    await until(() => posts().at(-1).tEnd != null, { message: 'the stopped request closed' });
    assert.equal(posts().at(-1).aborted, true, 'the stopped request was aborted');
    await delay(1200);
    assert.equal(posts().length, sent, 'no request after Stop');
    assert.equal((await results(page))[0].runs, r.runs, 'the kept runs stay');
    assert.equal(await page.locator(sel('lab-run')).isEnabled(), true, 'Run again is possible');
  }));

test('a failing target counts its errors; the CSV has the documented columns and one row per run', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const RUNS = 3;
    await openApp(page, env, { model: 'mock-paced-80-20-4', params: { runs: String(RUNS) } });
    await page.locator(sel('lab-add-target')).click();
    await page.locator(sel('lab-target-model')).fill('mock-auth');
    await page.locator(sel('lab-prompts')).fill('first prompt\nsecond, "quoted" prompt');
    await page.locator(sel('lab-run')).click();
    assert.equal(await waitLab(page, ['done', 'stopped']), 'done');
    const [ok, bad] = await results(page);
    assert.deepEqual([ok.runs, ok.errors], [RUNS, 0]);
    assert.deepEqual([bad.runs, bad.errors], [0, RUNS], 'every run of the keyless target is an error');
    assert.equal(bad.ttftP50, undefined, 'no latency figures from failed runs');
    const errors = await page.locator(`${sel('lab-result')}[data-target="1"] ${sel('lab-errors')}`).textContent();
    assert.match(errors, /3 ×.*401.*Incorrect API key/s);
    // The prompt set is cycled: runs 1 and 3 send the first prompt, run 2 the second.
    const prompts = posts().slice(1, RUNS + 1).map((e) => e.body.messages.at(-1).content);
    assert.deepEqual(prompts, ['first prompt', 'second, "quoted" prompt', 'first prompt']);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(sel('lab-export-csv')).click()]);
    assert.equal(download.suggestedFilename(), 'chat-stream-lab.csv');
    const rows = parseCsv(await fsp.readFile(await download.path(), 'utf8'));
    assert.deepEqual(rows[0], CSV_COLUMNS, 'the documented header');
    assert.equal(rows.length, 1 + 2 * RUNS, 'one row per run');
    for (const row of rows) assert.equal(row.length, CSV_COLUMNS.length);
    const col = (row, name) => row[CSV_COLUMNS.indexOf(name)];
    const body = rows.slice(1);
    assert.deepEqual(body.map((r) => [col(r, 'target'), col(r, 'run'), col(r, 'status')]), [
      ['1', '1', 'ok'], ['1', '2', 'ok'], ['1', '3', 'ok'],
      ['2', '1', 'error'], ['2', '2', 'error'], ['2', '3', 'error'],
    ]);
    assert.deepEqual(body.map((r) => col(r, 'prompt')), ['1', '2', '1', '1', '2', '1']);
    for (const r of body.slice(0, RUNS)) {
      near(Number(col(r, 'ttft_ms')), 80, 'CSV ttft_ms');
      assert.equal(col(r, 'model'), 'mock-paced-80-20-4');
      assert.equal(col(r, 'output_tokens'), '4');
      assert.equal(col(r, 'output_tokens_source'), 'usage');
      assert.equal(col(r, 'server_predicted_n'), '4');
      assert.equal(col(r, 'finish_reason'), 'length');
      assert.equal(col(r, 'error'), '');
    }
    for (const r of body.slice(RUNS)) {
      assert.equal(col(r, 'model'), 'mock-auth');
      assert.equal(col(r, 'http_status'), '401');
      assert.match(col(r, 'error'), /Incorrect API key/);
      assert.equal(col(r, 'ttft_ms'), '');
    }

    const [json] = await Promise.all([page.waitForEvent('download'), page.locator(sel('lab-export-json')).click()]);
    const report = JSON.parse(await fsp.readFile(await json.path(), 'utf8'));
    assert.equal(report.records.length, 2 * RUNS);
    assert.equal(report.records[0].itl_ms.length, 3, 'every gap of a 4-token run');
    assert.equal(report.summaries[1].errors, RUNS);
  }));
