import net from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses `HOST:PORT` as a user types it on the command line; an IPv6 literal needs brackets
 * (`[::1]:8080`), since its own colons would make the port ambiguous.
 */
export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new Error(`expected HOST:PORT (IPv6 as [ADDR]:PORT), got "${text}"`);
  return { host: m[1] ?? m[2], port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Where a target URL's TCP connection goes: the relay needs an address, not a URL. */
export function hostPortOfUrl(url: URL): HostPort {
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  return {
    // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
  };
}
