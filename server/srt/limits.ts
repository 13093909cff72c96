// Every resource limit of the SRT listener, in one place. Pass a partial object to SrtListener to override.

export interface SrtLimits {
  /** Latency we ask for (ms); the larger of it and the sender's is used. */
  latencyMs: number;
  /** Open connections (accepted or being decided) in total; more are rejected. */
  maxConnections: number;
  /** Open connections from one address (IPv6: one /64), like RTMP's cap. */
  maxConnectionsPerAddress: number;
  /** Handshake replies per second, in total: an induction flood costs at most this many HMACs and datagrams. */
  maxHandshakesPerSecond: number;
  /** The publish decision (stream key lookup) must come within this many ms, else the caller is rejected as unavailable. */
  hookTimeoutMs: number;
  /** A rejected caller's reply is repeated to its retried conclusions for this long. */
  rejectionMemoryMs: number;
  /** A connection that hears nothing from its peer (not even a keepalive) for this long is closed. */
  peerIdleTimeoutMs: number;
  /** A connection that gets no media for this long is closed (keepalives alone do not hold a slot). */
  mediaIdleTimeoutMs: number;
  /** Receive buffer in packets (a power of two): the flow window we announce. */
  bufferPackets: number;
  /** Largest datagram we take (an SRT MTU is at most 1500 bytes). */
  maxDatagramBytes: number;
  /** How often connections are ticked (deliveries, ACKs, NAKs), ms. */
  tickMs: number;
  /** One warning line per address (and one for the global cap) at most this often. */
  refusalLogIntervalMs: number;
}

export const DEFAULT_SRT_LIMITS: Readonly<SrtLimits> = Object.freeze({
  latencyMs: 120,
  maxConnections: 1000,
  maxConnectionsPerAddress: 32,
  maxHandshakesPerSecond: 2000,
  hookTimeoutMs: 10_000,
  rejectionMemoryMs: 5_000,
  // libsrt's own peer idle timeout.
  peerIdleTimeoutMs: 5_000,
  mediaIdleTimeoutMs: 30_000,
  bufferPackets: 8192,
  maxDatagramBytes: 1500,
  tickMs: 10,
  refusalLogIntervalMs: 60_000,
});

export function resolveSrtLimits(partial?: Partial<SrtLimits>): SrtLimits {
  const l = { ...DEFAULT_SRT_LIMITS, ...(partial ?? {}) };
  if (l.bufferPackets & (l.bufferPackets - 1) || l.bufferPackets < 64 || l.bufferPackets > 65536)
    throw new Error('SRT bufferPackets must be a power of two from 64 to 65536');
  return l;
}
