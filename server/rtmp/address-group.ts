// Which connections count as "one address" for the per-address cap: an IPv4 address (IPv4-mapped IPv6 included),
// or an IPv6 /64, the smallest prefix a network hands one customer (one host can use all of it).

import net from 'node:net';

export function addressGroup(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  const bare = address.split('%')[0]; // a zone id (fe80::1%eth0) is not part of the address
  if (!net.isIPv6(bare)) return address;
  const [head, tail] = bare.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  // An embedded IPv4 tail (64:ff9b::192.0.2.1) takes two groups.
  const width = (parts: string[]) => parts.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - width(h) - width(t))).fill('0'), ...t];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
