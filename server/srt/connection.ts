// A connection of the SRT listener (listener.ts) and what its stats say of it.
import type { SrtIngestStats } from '../api/types.js';
import type { LiveChannel } from '../rtmp/relay.js';
import type { SrtPublisher } from './publisher.js';
import type { SrtReceiver } from './receiver.js';

/** A live connection as `stats()` lists it: its link (as the API's SrtIngestStats) with who and how much. */
export interface SrtConnectionStats extends SrtIngestStats {
  id: string;
  address: string;
  channel: string;
  bytesIn: number;
}

export interface SrtStats {
  /** Publishers accepted since start. */
  naccepted: number;
  /** Handshakes refused (caps, bad requests, unknown keys, channels already live). */
  nrejected: number;
  /** Datagrams that were not SRT or belonged to no connection. */
  ndiscarded: number;
  connections: number;
  publishers: SrtConnectionStats[];
}

/** One peer of the listener, from its first handshake: deciding, rejected (its reply kept for retries) or live. */
export type Conn = {
  key: string;
  address: string;
  port: number;
  group: string;
  peerSocket: number;
  ourSocket: number;
  connectionId: string;
  connectedAt: number;
  heardAt: number;
  mediaAt: number;
  /** The handshake reply repeated to a retried conclusion (accepting or rejecting). */
  reply: Buffer | null;
  timer: NodeJS.Timeout | null;
} & (
  | { state: 'deciding' | 'rejected' }
  | { state: 'live'; channel: string; latencyMs: number; receiver: SrtReceiver; publisher: SrtPublisher; live: LiveChannel; peerVersion: number }
);

/** What `stats()` and the stat pages show of a live connection. */
export function connectionStats(c: Extract<Conn, { state: 'live' }>): SrtConnectionStats {
  const s = c.receiver.stats;
  return {
    id: c.connectionId,
    address: c.address,
    channel: c.channel,
    latencyMs: c.latencyMs,
    rttMs: s.rttMs,
    packetsReceived: s.packetsReceived,
    packetsLost: s.packetsLost,
    retransmitted: s.retransmitted,
    dropped: s.dropped,
    bytesIn: s.bytesReceived,
  };
}
