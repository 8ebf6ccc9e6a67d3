// Theme: the toggle cycles auto → light → dark → auto on the chat root and <html>, the
// choice is saved and restored, light and dark really differ (and keep text readable), and "auto"
// follows the system colour scheme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEnv, openApp, reloadApp, frames, sel, TEST_TIMEOUT } from '../helpers.mjs';

const env = useEnv();

const read = (page) =>
  page.evaluate(() => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c) || [];
      const [r, g, b, a = 1] = (m[1] || '0,0,0,0').split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const effectiveBg = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.a > 0) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 }; // the canvas default
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const chat = document.querySelector('[data-testid="chat"]');
    const prompt = document.querySelector('[data-testid="prompt"]');
    const bg = effectiveBg(chat);
    const fg = parse(getComputedStyle(chat).color);
    const pageBg = effectiveBg(document.body);
    const contrast = (a, b) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    return {
      chat: chat.getAttribute('data-theme'),
      html: document.documentElement.getAttribute('data-theme'),
      stored: localStorage.getItem('chat-stream.v1.theme'),
      bg: `rgb(${bg.r}, ${bg.g}, ${bg.b})`,
      pageBg: `rgb(${pageBg.r}, ${pageBg.g}, ${pageBg.b})`,
      bgLum: lum(bg),
      contrast: contrast(fg, bg),
      promptContrast: contrast(parse(getComputedStyle(prompt).color), effectiveBg(prompt)),
    };
  });

test('theme toggle cycles auto → light → dark → auto, is saved, and changes the colours', { timeout: TEST_TIMEOUT }, (t) =>
  env.withPage(t, async (page) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await openApp(page, env, { model: 'mock-happy' });
    const toggle = page.locator(sel('theme-toggle'));
    const start = await read(page);
    assert.equal(start.chat, 'auto');
    assert.equal(start.html, 'auto', '<html data-theme> follows the chat root');
    assert.ok(start.stored == null || start.stored === 'auto', `nothing chosen yet: ${start.stored}`);

    await toggle.click();
    await frames(page);
    const light = await read(page);
    assert.deepEqual([light.chat, light.html, light.stored], ['light', 'light', 'light']);

    await toggle.click();
    await frames(page);
    const dark = await read(page);
    assert.deepEqual([dark.chat, dark.html, dark.stored], ['dark', 'dark', 'dark']);
    assert.notEqual(dark.bg, light.bg, 'the background colour differs between light and dark');
    assert.ok(light.bgLum > 0.6, `light background is light: ${light.bg} (luminance ${light.bgLum.toFixed(2)})`);
    assert.ok(dark.bgLum < 0.2, `dark background is dark: ${dark.bg} (luminance ${dark.bgLum.toFixed(2)})`);
    assert.notEqual(dark.pageBg, light.pageBg, 'the page background follows the theme too');
    for (const [name, v] of [['light', light], ['dark', dark]]) {
      assert.ok(v.contrast >= 4.5, `${name}: text contrast ${v.contrast.toFixed(2)} >= 4.5`);
      assert.ok(v.promptContrast >= 4.5, `${name}: prompt text contrast ${v.promptContrast.toFixed(2)} >= 4.5`);
    }

    await reloadApp(page);
    const restored = await read(page);
    assert.deepEqual([restored.chat, restored.html, restored.stored], ['dark', 'dark', 'dark'], 'dark restored after reload');
    assert.equal(restored.bg, dark.bg);

    await toggle.click();
    await frames(page);
    const auto = await read(page);
    assert.deepEqual([auto.chat, auto.html, auto.stored], ['auto', 'auto', 'auto']);
    assert.equal(auto.bg, light.bg, 'auto with a light system scheme looks like light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await frames(page);
    const autoDark = await read(page);
    assert.equal(autoDark.bg, dark.bg, 'auto with a dark system scheme looks like dark');
  }));
