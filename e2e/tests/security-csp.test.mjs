// The page's Content-Security-Policy. The shipped page carries a strict CSP <meta>; a normal
// turn (and an error turn, and Stop) causes no violation. Control tests prove that the detectors
// of the security suite work: markup injected by the TEST is caught as a CSP violation (with the
// CSP) and executes (without it), so a clean report in security-xss means something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHostileEnv, openApp, runTurn, sendPrompt, waitForState, waitForAssistantIncludes, installSecurityTraps,
  inertnessReport, turnReport, delay, sel, TEST_TIMEOUT, openSettings,
} from '../helpers.mjs';
import { TEXT } from '../hostile-server.mjs';

const env = useHostileEnv({ noCspCopy: true });

function directives(csp) {
  return Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name, values];
  }));
}

test('the page ships a strict CSP, and a normal turn, an error turn and a Stop cause no violation', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    const traps = await installSecurityTraps(page);
    await openApp(page, env, { model: 'hostile-plain', stream: true });
    await openSettings(page);
    const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null);
    assert.ok(csp, 'a Content-Security-Policy <meta> is present');
    const d = directives(csp);
    assert.deepEqual(d['script-src'], ["'self'", "'wasm-unsafe-eval'"], 'script-src: self + wasm only (no unsafe-inline / unsafe-eval)');
    assert.deepEqual(d['object-src'], ["'none'"], 'object-src none');
    assert.deepEqual(d['base-uri'], ["'self'"], 'base-uri self');
    assert.ok(d['default-src']?.includes("'self'"), 'default-src self');
    assert.ok(!(d['style-src'] || []).includes("'unsafe-inline'"), 'style-src without unsafe-inline');

    // A normal streamed turn.
    let r = await runTurn(page, 'Hello');
    assert.equal(r.state, 'done');
    assert.equal(r.text, TEXT['hostile-plain']);
    // An error turn (HTTP 500 HTML page).
    await page.locator(sel('model')).fill('hostile-http-500-html');
    await page.locator(sel('model')).press('Tab');
    r = await runTurn(page, 'Fail');
    assert.equal(r.state, 'error');
    // A stopped turn.
    await page.locator(sel('model')).fill('hostile-silent-mid-event');
    await page.locator(sel('model')).press('Tab');
    await sendPrompt(page, 'Stop me');
    await waitForAssistantIncludes(page, TEXT['hostile-silent-mid-event']);
    await page.locator(sel('stop')).click();
    assert.equal(await waitForState(page, ['stopped', 'error', 'done']), 'stopped');
    await delay(200);

    const rep = await inertnessReport(page);
    assert.deepEqual(rep.cspViolations, [], 'no CSP violation during normal use');
    assert.deepEqual(traps.dialogs, []);
    assert.deepEqual(rep.dangerousTags, []);
    assert.deepEqual(rep.handlerAttrs, []);
  }));

test('control: markup injected by the test is caught (CSP violation, dangerous element) and blocked by the CSP', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await installSecurityTraps(page);
    await openApp(page, env, { model: 'hostile-plain', stream: true });
    const r = await runTurn(page);
    assert.equal(r.state, 'done');
    await page.evaluate((s) => document.querySelector(s).insertAdjacentHTML('beforeend', '<img src="/no-such-image.png" onerror="window.__pwned=1">'), sel('message-assistant'));
    await delay(300);
    const rep = await inertnessReport(page);
    assert.equal(rep.pwned, null, 'the CSP blocked the inline handler');
    assert.ok(rep.cspViolations.length >= 1, `the violation listener saw the blocked handler: ${JSON.stringify(rep.cspViolations)}`);
    assert.ok(rep.dangerousTags.some((x) => x.startsWith('<img')), 'the report lists the injected <img>');
    assert.ok(rep.handlerAttrs.length >= 1, 'the report lists the onerror attribute');
  }));

test('control: without the CSP, injected markup executes (so the no-csp security runs test the app\'s own escaping)', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await installSecurityTraps(page);
    await openApp(page, env.noCsp, { model: 'hostile-plain', stream: true });
    const hasCsp = await page.evaluate(() => !!document.querySelector('meta[http-equiv="Content-Security-Policy"]'));
    assert.equal(hasCsp, false, 'the CSP-less copy has no CSP meta');
    const r = await runTurn(page);
    assert.equal(r.state, 'done');
    assert.equal((await turnReport(page)).text, TEXT['hostile-plain']);
    await page.evaluate((s) => document.querySelector(s).insertAdjacentHTML('beforeend', '<img src="/no-such-image.png" onerror="window.__pwned=1">'), sel('message-assistant'));
    await delay(300);
    const rep = await inertnessReport(page);
    assert.equal(rep.pwned, '1', 'the injected handler ran: the detector works');
  }));
