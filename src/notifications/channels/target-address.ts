import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DeliveryError } from './delivery-error';

/** Where a channel must not deliver unless its owner may (ADMIN): this machine, its networks, the cloud metadata address. */
const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT, RFC 6598
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking, RFC 2544
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6');
}

/**
 * Loopback, RFC 1918, link-local, CGNAT, 0/8, unique-local, multicast and reserved addresses, also
 * written as IPv4-mapped IPv6 (`::ffff:127.0.0.1`; node's BlockList matches those against the IPv4
 * rules). Anything that is not an IP address counts as private, to fail closed.
 */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface ResolvedAddress {
  /** The address to connect to: the one that was checked. */
  address: string;
  family: 4 | 6;
  private: boolean;
}

/** dns.lookup with `all`; a test passes its own. */
export type HostLookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface AddressPolicy {
  allowPrivate: boolean;
  /** The transport is unencrypted (`http:`, SMTP without TLS): allowed only to a private address. */
  plain: boolean;
  /** What the refusal calls the plain transport, e.g. `plain http`. */
  plainName?: string;
  lookup?: HostLookup;
}

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Resolves `host` once and checks every address it has, so the connection can go to the checked
 * address instead of a second lookup that could answer differently (DNS rebinding).
 */
export async function resolveTarget(host: string, policy: AddressPolicy): Promise<ResolvedAddress> {
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(bare)) {
    addresses = [{ address: bare, family: isIP(bare) }];
  } else {
    try {
      addresses = await (policy.lookup ?? systemLookup)(bare);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
      throw new DeliveryError(`cannot resolve ${bare}: ${code}`, true);
    }
    if (addresses.length === 0) throw new DeliveryError(`cannot resolve ${bare}: no address`, true);
  }
  if (!policy.allowPrivate) {
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) {
      throw new DeliveryError(`${blocked.address} is a private address; only an ADMIN's channels may deliver there`, false);
    }
  }
  const chosen = addresses[0];
  const resolved: ResolvedAddress = { address: chosen.address, family: chosen.family === 6 ? 6 : 4, private: isPrivateAddress(chosen.address) };
  if (policy.plain && !resolved.private) {
    const name = policy.plainName ?? 'an unencrypted transport';
    throw new DeliveryError(`${name} is allowed only to a private address, and ${resolved.address} (${bare}) is public; use TLS`, false);
  }
  return resolved;
}
