import { localhostAllowedHostnames, localhostAllowedOrigins } from '@modelcontextprotocol/server';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** Whether `host` is a loopback interface. */
export const isLoopback = (host: string) => LOOPBACK.has(host);

/** `::1` → `[::1]`: a host as a URL or a Host header writes it. */
export const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * The hostnames a request's `Host` and `Origin` may name (DNS-rebinding protection): loopback names on
 * a loopback bind, the bound interface unless it is a wildcard, the resource URI's host, and the
 * configured extras.
 */
export function allowedNames(
  host: string,
  resource: URL | undefined,
  extra: { readonly hosts?: readonly string[]; readonly origins?: readonly string[] },
): { readonly hosts: string[]; readonly origins: string[] } {
  const common = [
    ...(WILDCARD.has(host) ? [] : [urlHost(host)]),
    ...(resource === undefined ? [] : [urlHost(resource.hostname)]),
  ];
  const loopback = isLoopback(host);
  return {
    hosts: [...(loopback ? localhostAllowedHostnames() : []), ...common, ...(extra.hosts ?? [])],
    origins: [...(loopback ? localhostAllowedOrigins() : []), ...common, ...(extra.origins ?? [])],
  };
}
