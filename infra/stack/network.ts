import { createServer, Socket } from 'node:net';

/** Splits `host:port` (IPv6 in brackets allowed). */
export function parseHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(value.trim());
  const host = match?.[1] || '127.0.0.1';
  const port = match?.[2] ? Number(match[2]) : defaultPort;
  return { host, port };
}

/** Host and port of a URL such as `redis://127.0.0.1:6379` or `postgres://u@h:5432/db`. */
export function urlHostPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port: parsed.port ? Number(parsed.port) : defaultPort };
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      resolveOpen(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** True when we could bind host:port right now. */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const server = createServer();
    server.once('error', () => resolveBind(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolveBind(true)));
  });
}

/** A port the OS reports free on `host` (there is a small race until the service binds it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Prefers `preferred` when it is bindable so the effective URL matches the configured one. */
export async function choosePort(host: string, preferred: number): Promise<number> {
  return (await canBind(host, preferred)) ? preferred : freePort(host);
}
