// Static server of the start-up benchmark: several folders under URL prefixes on one origin,
// generated pages, and compression like a production server (gzip or brotli, compressed once
// per file and kept in memory; the runner's warm-up round fills that cache before any timed load).
//
//   const site = await startSiteServer({
//     mounts: { '/app/': distDir, '/repo/': repoDir },
//     pages: { '/embed/index.html': '<!doctype html>…' },
//     compress: 'gzip',                    // 'gzip' | 'br' | 'none'
//   });                                    // -> { url, resolve(pathname), close() }
//
// Every response: `Cache-Control: no-store`, `Access-Control-Allow-Origin: *`,
// `Timing-Allow-Origin: *` (Resource Timing sizes for every origin) and `Vary: Accept-Encoding`.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { listen } from '../../e2e/server-util.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.txt']);

/** Sizes of a body: raw, gzip -9 and brotli q11 (what a production server would send). */
export function compressedSizes(buf) {
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export async function startSiteServer({ mounts = {}, pages = {}, compress = 'gzip', port = 0, host = '127.0.0.1' } = {}) {
  if (!['gzip', 'br', 'none'].includes(compress)) throw new Error(`compress: gzip, br or none, not ${compress}`);
  const prefixes = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const cache = new Map(); // key -> { mtime, raw, gzip, br }

  /** pathname -> { page, body } | { file } | null */
  function resolve(pathname) {
    if (pathname in pages) return { page: pathname, body: Buffer.from(pages[pathname]) };
    for (const [prefix, dir] of prefixes) {
      if (!pathname.startsWith(prefix)) continue;
      let file = path.join(dir, path.normalize(pathname.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + path.sep)) return null;
      try {
        if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
        if (fs.statSync(file).isFile()) return { file };
      } catch {}
      return null;
    }
    return null;
  }

  function body(hit) {
    const key = hit.page ?? hit.file;
    const mtime = hit.file ? fs.statSync(hit.file).mtimeMs : 0;
    let c = cache.get(key);
    if (!c || c.mtime !== mtime) {
      const raw = hit.body ?? fs.readFileSync(hit.file);
      c = { mtime, raw };
      cache.set(key, c);
    }
    return c;
  }

  const server = http.createServer((req, res) => {
    const common = { 'cache-control': 'no-store', 'access-control-allow-origin': '*', 'timing-allow-origin': '*', vary: 'accept-encoding' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, common);
      return res.end();
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400, common);
      return res.end();
    }
    const hit = resolve(pathname);
    if (!hit) {
      res.writeHead(404, { ...common, 'content-type': 'text/plain; charset=utf-8' });
      return res.end(`not found: ${pathname}\n`);
    }
    const ext = path.extname(hit.page ?? hit.file).toLowerCase();
    const c = body(hit);
    const accepts = String(req.headers['accept-encoding'] || '');
    let out = c.raw;
    let encoding = null;
    if (compress !== 'none' && COMPRESSIBLE.has(ext)) {
      if (compress === 'br' && /\bbr\b/.test(accepts)) {
        c.br ??= zlib.brotliCompressSync(c.raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
        out = c.br;
        encoding = 'br';
      } else if (/\bgzip\b/.test(accepts)) {
        c.gzip ??= zlib.gzipSync(c.raw, { level: 9 });
        out = c.gzip;
        encoding = 'gzip';
      }
    }
    res.writeHead(200, {
      ...common,
      'content-type': MIME[ext] || 'application/octet-stream',
      'content-length': out.length,
      'x-content-type-options': 'nosniff',
      ...(encoding ? { 'content-encoding': encoding } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : out);
  });
  const { url, close } = await listen(server, port, host);
  return { url, resolve, close: () => close() };
}
