// Untrusted text: model output, reasoning and server error messages are shown as TEXT,
// never executed. Each payload sets window.__pwned or calls alert() if it ever runs.
//
// Every scenario runs twice: under the page's own Content-Security-Policy (as shipped; a CSP
// violation means the app tried to create live markup) and from a copy of dist/ whose index.html has
// no CSP <meta> (so only the app's own escaping protects the page). After each turn: no __pwned, no dialog, no CSP
// violation, no <script>/<img>/<iframe>/… and no on* attribute inside the chat, every a[href] is
// http(s): or mailto:, and no request for a payload's URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHostileEnv, openApp, runTurn, installSecurityTraps, inertnessReport, delay, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import { XSS_PAYLOADS, XSS_MD_LINKS } from '../hostile-server.mjs';

const env = useHostileEnv({ noCspCopy: true });

const SCENARIOS = {
  'hostile-xss-content': { what: 'plain answer content', state: 'done', literal: 'message' },
  'hostile-xss-code-fence': { what: 'a ``` code fence in the content', state: 'done', literal: 'message' },
  'hostile-xss-reasoning': { what: 'delta.reasoning_content and delta.reasoning', state: 'done', literal: 'message' },
  'hostile-xss-think': { what: '<think>…</think> in the content', state: 'done', literal: 'message' },
  'hostile-xss-inband-error': { what: 'an in-band error frame message (HTTP 200)', state: 'error', literal: null },
  'hostile-xss-event-error': { what: 'an `event: error` with non-JSON markup data', state: 'error', literal: null },
  'hostile-xss-http-500': { what: 'an HTTP 500 HTML body with script', state: 'error', literal: null },
  'hostile-xss-http-401': { what: 'an HTTP 401 JSON error message', state: 'error', literal: null },
};

const PROMPT = `Echo these: ${XSS_PAYLOADS.join(' ')}`;

for (const mode of ['csp', 'no-csp']) {
  for (const [scenario, spec] of Object.entries(SCENARIOS)) {
    test(`[${mode}] ${scenario}: markup in ${spec.what} is inert`, { timeout: TEST_TIMEOUT }, (t) =>
      env.withPage(t, async (page, probe) => {
        const traps = await installSecurityTraps(page);
        await openApp(page, mode === 'csp' ? env : env.noCsp, { model: scenario, stream: true });
        const hasCsp = await page.evaluate(() => !!document.querySelector('meta[http-equiv="Content-Security-Policy"]'));
        assert.equal(hasCsp, mode === 'csp', `the page's CSP meta is ${mode === 'csp' ? 'present' : 'stripped'}`);

        const r = await runTurn(page, PROMPT);
        assert.equal(r.state, spec.state, `final state (error: ${JSON.stringify(r.error)})`);
        if (spec.state === 'error') assert.ok(r.error && r.error.trim().length > 0, 'an error message is shown');
        // Give anything that would fire late (img onerror after the failed load, svg onload,
        // details ontoggle) the time to do so.
        await delay(400);

        const rep = await inertnessReport(page);
        assert.equal(rep.pwned, null, 'window.__pwned was set: a payload executed');
        assert.deepEqual(traps.dialogs, [], 'a dialog (alert/confirm/prompt) was opened');
        assert.deepEqual(rep.cspViolations, [], 'CSP violations (the app tried to create live markup)');
        assert.deepEqual(rep.dangerousTags, [], 'dangerous elements inside the chat');
        assert.deepEqual(rep.handlerAttrs, [], 'on* attributes inside the chat');
        assert.deepEqual(rep.badLinks, [], 'links inside the chat that are not http(s): or mailto:');
        assert.deepEqual(rep.badUrls, [], 'javascript:/data:/vbscript: URLs in attributes inside the chat');
        const payloadRequests = probe.requests.filter((q) => /\/x$|javascript:|vbscript:/.test(q));
        assert.deepEqual(payloadRequests, [], 'the page requested a payload URL (e.g. <img src=x>)');

        // The user's own prompt is shown as text, exactly.
        const users = await page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.textContent), sel('message-user'));
        assert.deepEqual(users, [PROMPT], 'the prompt with markup is shown literally');

        if (spec.literal === 'message') {
          // The whole assistant message (answer + reasoning): every HTML payload is visible as text.
          const shown = await page.evaluate((s) => {
            const els = document.querySelectorAll(s);
            const el = els[els.length - 1];
            return (el.closest('article') || el.parentElement).textContent;
          }, sel('message-assistant'));
          for (const p of XSS_PAYLOADS) {
            assert.ok(shown.includes(p), `the payload ${JSON.stringify(p)} is shown literally; message text: ${JSON.stringify(shown.slice(0, 400))}`);
          }
          void XSS_MD_LINKS; // markdown-link payloads: inertness only (a renderer may turn them into safe links or text)
        }
      }));
  }
}
