import { isMap } from './compose-file';

/** Host ports a `ports` entry publishes, inclusive (one port has start === end). */
export interface PortRange {
  start: number;
  end: number;
}

/** What one `ports` entry publishes: a range, nothing (target only, or docker picks the port), or something docker would not read. */
export type Published = PortRange | 'none' | 'unreadable';

const MAX_PORT = 65535;
const PROTOCOLS = ['tcp', 'udp', 'sctp'];

/** `8080` or `8000-8005`, as docker's nat.ParsePortRange reads them (digits only, end not below start). */
export function parsePortRange(text: string): PortRange | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  return start <= end && end <= MAX_PORT ? { start, end } : undefined;
}

/**
 * The host ports one entry of `services.<s>.ports` publishes, in compose 3.x short syntax (`80`,
 * `"8080:80/udp"`, `"127.0.0.1:8080:80"`, `"[::1]:8000-8005:80-85"`, `":80"`) or long syntax
 * (`{target: 80, published: 8080}`, published a number or a string range).
 */
export function publishedPorts(entry: unknown): Published {
  if (typeof entry === 'number') return Number.isInteger(entry) ? 'none' : 'unreadable';
  if (typeof entry === 'string') return shortSyntax(entry);
  if (isMap(entry)) return longSyntax(entry.published);
  return 'unreadable';
}

function shortSyntax(spec: string): Published {
  // Docker's splitParts: the last part is the target, the one before it the published port, the rest the IP (IPv6 has colons).
  const parts = spec.split(':');
  const [target, protocol, ...rest] = parts[parts.length - 1].split('/');
  if (!parsePortRange(target) || rest.length > 0 || (protocol !== undefined && !PROTOCOLS.includes(protocol.toLowerCase()))) return 'unreadable';
  const published = parts.length > 1 ? parts[parts.length - 2] : '';
  // An empty published port (":80", "127.0.0.1::80") lets docker pick one.
  if (published === '') return 'none';
  return parsePortRange(published) ?? 'unreadable';
}

function longSyntax(published: unknown): Published {
  if (published === undefined || published === null || published === '') return 'none';
  if (typeof published === 'number') return Number.isInteger(published) && published >= 0 && published <= MAX_PORT ? { start: published, end: published } : 'unreadable';
  if (typeof published === 'string') return parsePortRange(published) ?? 'unreadable';
  return 'unreadable';
}
