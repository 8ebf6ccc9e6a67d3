// Answers as markdown: a streamed answer (cut every 7 characters) renders headings, a
// list, a table, a fenced code block with its language, links (http/https/mailto only, new tab,
// noopener noreferrer) and inline code; raw HTML and javascript: links in the stream are inert
// text, and images are never loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useEnv, openApp, sendPrompt, waitForTurnEnd, waitInPage, delay, sel, TEST_TIMEOUT,
} from '../helpers.mjs';
import {
  MARKDOWN_CODE, XSS_SCRIPT, XSS_IMG, XSS_LINK_LABEL, XSS_RAW_A,
} from '../mock-server.mjs';

const env = useEnv();

test('markdown: heading, list, table, code fence with language, links, inline code', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await openApp(page, env, { model: 'mock-markdown' });
    await sendPrompt(page, 'Report');
    // Rendered as markdown while it streams, not only at the end.
    const early = await waitInPage(page, () => {
      const a = [...document.querySelectorAll('[data-testid="message-assistant"]')].at(-1);
      const st = document.querySelector('[data-testid="chat"]')?.getAttribute('data-state');
      if (st === 'done' || st === 'error' || st === 'stopped') return { st, late: true };
      return a && a.querySelector('h3') && a.querySelector('ul li') ? { st } : null;
    }, null, 'a heading and a list item while streaming');
    assert.ok(!early.late, `the turn ended (${early.st}) before any markdown was seen rendered`);
    assert.equal(early.st, 'streaming');

    assert.equal(await waitForTurnEnd(page), 'done');
    const md = await page.locator(sel('message-assistant')).last().evaluate((root) => {
      const text = (e) => e.textContent;
      const code = root.querySelector('[data-testid="code-block"]');
      return {
        headings: [...root.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => [h.tagName, text(h)]),
        paragraphs: root.querySelectorAll('p').length,
        strong: [...root.querySelectorAll('strong')].map(text),
        inlineCode: [...root.querySelectorAll('code')].filter((c) => !c.closest('pre')).map(text),
        lists: [...root.querySelectorAll('ul')].map((ul) => [...ul.children].map((li) => [li.tagName, li.textContent.trim()])),
        table: (() => {
          const tbl = root.querySelector('table');
          if (!tbl) return null;
          return {
            wrapped: !!tbl.closest('.cs-table'),
            head: [...tbl.querySelectorAll('thead th')].map((c) => text(c).trim()),
            rows: [...tbl.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => text(c).trim())),
            valueAlign: [...tbl.querySelectorAll('tbody tr')].map((r) => getComputedStyle(r.children[1]).textAlign),
          };
        })(),
        codeBlocks: root.querySelectorAll('[data-testid="code-block"]').length,
        code: code && {
          lang: code.getAttribute('data-lang'),
          fence: code.getAttribute('data-fence'),
          pre: code.querySelector('pre')?.textContent ?? null,
          // The visible text of the block outside <pre> (its bar): the language label is there.
          bar: [...code.childNodes].filter((n) => !(n.nodeType === 1 && n.matches('pre'))).map((n) => n.textContent).join(' '),
          copy: code.querySelectorAll('[data-testid="code-copy"]').length,
          elementsInPre: [...(code.querySelector('pre')?.querySelectorAll('*') ?? [])].map((e) => e.tagName).filter((n) => n !== 'CODE' && n !== 'SPAN'),
        },
        links: [...root.querySelectorAll('a')].map((a) => ({
          text: text(a), href: a.getAttribute('href'), target: a.getAttribute('target'), rel: a.getAttribute('rel'),
        })),
        last: text(root).trim().endsWith('Done.'),
      };
    });
    assert.deepEqual(md.headings, [['H3', 'Streaming report'], ['H4', 'Details']], '# → h3, ## → h4');
    assert.ok(md.paragraphs >= 2, `paragraphs are <p>: ${md.paragraphs}`);
    assert.deepEqual(md.strong, ['summary']);
    assert.deepEqual(md.inlineCode, ['inline code', 'code'], 'inline code (outside pre)');
    assert.deepEqual(md.lists, [[['LI', 'first item'], ['LI', 'second item with code'], ['LI', 'third item']]]);
    assert.ok(md.table, 'a <table>');
    assert.deepEqual(md.table, {
      wrapped: true,
      head: ['Name', 'Value'],
      rows: [['alpha', '1'], ['beta', '22']],
      valueAlign: ['right', 'right'],
    }, 'table inside .cs-table, header, cells, alignment of `---:`');
    assert.equal(md.codeBlocks, 1);
    assert.equal(md.code.lang, 'rust', 'data-lang');
    assert.match(md.code.fence ?? '', /^\d+$/, 'data-fence is a number');
    assert.equal(md.code.pre.replace(/\n$/, ''), MARKDOWN_CODE, 'code text exact (the `<b>` in it is text)');
    assert.deepEqual(md.code.elementsInPre, [], 'no markup from the code inside <pre>');
    assert.ok(md.code.bar.includes('rust'), `the language label is shown: ${JSON.stringify(md.code.bar)}`);
    assert.equal(md.code.copy, 1, 'a code-copy button');
    assert.deepEqual(md.links, [
      { text: 'the docs', href: 'https://example.com/docs', target: '_blank', rel: 'noopener noreferrer' },
      { text: 'mail', href: 'mailto:team@example.com', target: '_blank', rel: 'noopener noreferrer' },
    ]);
    assert.ok(md.last, 'the last paragraph is rendered');
    // A code line longer than the message: it scrolls inside the block, not the page.
    const overflow = await page.evaluate(() => ({
      page: document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth,
    }));
    assert.ok(overflow.page <= 0, `the page does not scroll sideways: ${JSON.stringify(overflow)}`);
  }));

test('untrusted answer: <script>, <img onerror>, javascript: links stay inert text; images never load', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page, probe) => {
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    await openApp(page, env, { model: 'mock-xss' });
    await sendPrompt(page, 'payloads');
    assert.equal(await waitForTurnEnd(page), 'done');
    await delay(300); // an onerror handler or a loading image would have fired by now
    const r = await page.evaluate(() => {
      const root = [...document.querySelectorAll('[data-testid="message-assistant"]')].at(-1);
      const log = document.querySelector('[data-testid="messages"]') || document.body;
      return {
        xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),
        text: root.textContent,
        scripts: log.querySelectorAll('script').length,
        imgs: log.querySelectorAll('img, picture, source, svg image').length,
        onAttrs: [...log.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name)),
        hrefs: [...log.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        linkLabels: [...root.querySelectorAll('a')].map((a) => a.textContent),
      };
    });
    assert.equal(r.xss, null, 'no payload ran');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.equal(r.scripts, 0, 'no <script> element');
    assert.equal(r.imgs, 0, 'no image element');
    assert.deepEqual(r.onAttrs, [], 'no on* attributes');
    assert.ok(r.hrefs.every((h) => /^(https?:|mailto:)/i.test((h || '').trim())), `only http/https/mailto links: ${JSON.stringify(r.hrefs)}`);
    assert.ok(!r.linkLabels.includes('raw link'), 'raw <a> HTML is not a link');
    assert.ok(r.text.includes(XSS_SCRIPT), `the <script> payload is shown as text: ${JSON.stringify(r.text)}`);
    assert.ok(r.text.includes(XSS_IMG), 'the <img onerror> payload is shown as text');
    assert.ok(r.text.includes(XSS_RAW_A), 'the raw <a href=javascript:> is shown as text');
    assert.ok(r.text.includes(XSS_LINK_LABEL), 'the javascript: link keeps its label as text');
    assert.ok(r.text.includes('End of payloads.'), 'the answer rendered to its end');
    const pixel = env.mock.log.filter((e) => e.path.includes('xss-pixel'));
    assert.deepEqual(pixel, [], 'the markdown image was never requested');
    assert.deepEqual(probe.requests.filter((x) => x.includes('xss-pixel')), [], 'the page never requested the image');
    assert.deepEqual(probe.requests.filter((x) => /\/x$/.test(x)), [], 'the <img src=x> was never requested');
  }));
