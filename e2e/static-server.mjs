// Minimal static file server for the built app (trunk's dist/), for the e2e tests.
//
//   import { startStaticServer } from './static-server.mjs';
//   const web = await startStaticServer({ root, port: 0 });   // -> { url, port, root, close() }
//
//   node e2e/static-server.mjs [--root dist] [--port 8080] [--host 127.0.0.1]
//
// 127.0.0.1 only, correct MIME types (.wasm = application/wasm so streaming instantiation works),
// `Cache-Control: no-store` on everything, index.html for `/` and for directories, and
// `Access-Control-Allow-Origin: *` so other origins can embed the component from it.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listen, parseArgs } from './server-util.mjs';

export const DEFAULT_ROOT = fileURLToPath(new URL('../dist', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

export async function startStaticServer({ root = DEFAULT_ROOT, port = 0, host = '127.0.0.1', quiet = true } = {}) {
  const absRoot = path.resolve(root instanceof URL ? fileURLToPath(root) : root);

  const server = http.createServer(async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      return send(400, 'bad path\n');
    }
    let file = path.join(absRoot, path.normalize(rel));
    if (file !== absRoot && !file.startsWith(absRoot + path.sep)) return send(403, 'forbidden\n');
    try {
      let st = await fsp.stat(file);
      if (st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = await fsp.stat(file);
      }
      const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, {
        'content-type': type,
        'content-length': st.size,
        'cache-control': 'no-store, max-age=0',
        'x-content-type-options': 'nosniff',
        // The embed loader, its wasm and CSS may be used by pages of other origins (module
        // scripts and wasm are fetched in CORS mode).
        'access-control-allow-origin': '*',
      });
      if (!quiet) console.log(`${req.method} ${rel} -> 200 ${type}`);
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      if (!quiet) console.log(`${req.method} ${rel} -> 404`);
      send(404, `not found: ${rel}\n`);
    }
  });
  const { url, port: actualPort, close } = await listen(server, port, host);
  return {
    url,
    port: actualPort,
    root: absRoot,
    close: () => close(),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  const srv = await startStaticServer({
    root: args.root ? path.resolve(args.root) : DEFAULT_ROOT,
    port: Number(args.port ?? 8080),
    host: args.host ?? '127.0.0.1',
    quiet: false,
  });
  if (!fs.existsSync(path.join(srv.root, 'index.html'))) {
    console.warn(`warning: ${path.join(srv.root, 'index.html')} does not exist (build the app first)`);
  }
  console.log(`static server on ${srv.url}/ serving ${srv.root}`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
