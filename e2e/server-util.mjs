// Plumbing shared by the test servers (mock, hostile and static): listening with
// tracked sockets so `close()` never waits for a hung stream, and `--flag value` parsing.

/**
 * Starts `server` on `host:port` (0 = any free port). Returns `{ url, port, close(timers?) }`;
 * `close` clears the given timers, stops listening and destroys every open socket.
 */
export async function listen(server, port, host) {
  const sockets = new Set();
  server.keepAliveTimeout = 5000;
  server.on('connection', (sock) => {
    sock.setNoDelay(true);
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    close(timers = new Set()) {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/** `--port 8787 --host=127.0.0.1` → `{ port: '8787', host: '127.0.0.1' }`. */
export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) out[m[1]] = m[2] ?? argv[++i];
  }
  return out;
}
