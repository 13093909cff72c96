// Addresses a webhook may not reach unless the operator allows it (ONAIR_WEBHOOKS_ALLOW_PRIVATE): this machine, private
// and link-local networks, and the special ranges. Anyone with an account can add a webhook, so without this rule the
// server would POST, on their behalf, to services that only trust being reachable from inside the network.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 (reaches IPv4 addresses, private ones included)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

/** True for an IP address (v4, v6, v4-mapped v6) in a blocked range; false for anything else, names included. */
export function isPrivateAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  const family = isIP(a);
  if (family === 0) return false;
  return BLOCKED.check(a, family === 4 ? 'ipv4' : 'ipv6');
}

/** What can be told from a URL's host alone: an IP literal in a blocked range, or a localhost name. */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || isPrivateAddress(h);
}

/** The error code of a connection refused because its host name resolved only to blocked addresses. */
export const NOT_ALLOWED = 'EWEBHOOKADDRESS';

/**
 * dns.lookup, minus the blocked addresses unless `allowPrivate`: a host name is checked each time it is resolved, so
 * it cannot be pointed at such an address after it was saved. For webhooks' POSTs and restream connections.
 */
export function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) return callback(Object.assign(new Error('address not allowed'), { code: NOT_ALLOWED }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0].address, usable[0].family);
    });
  };
}
