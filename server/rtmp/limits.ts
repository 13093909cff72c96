// Every resource limit of the RTMP layer, in one place. Pass a partial object to RtmpServer to override.

export interface RtmpLimits {
  /** C0+C1 and C2 must arrive within this many ms of the connection opening. */
  handshakeTimeoutMs: number;
  /** After the handshake, the `connect` command must arrive within this many ms. */
  connectTimeoutMs: number;
  /** After `connect`, a `publish` or `play` command must arrive within this many ms. */
  streamStartTimeoutMs: number;
  /**
   * A connection whose media stops for this long is closed: media from a publisher, media sent to a player or a
   * player's acknowledgements. Protocol control messages (acks of a non-player, window sizes, pings, user control)
   * do not count, so a peer cannot hold a slot with them.
   */
  idleTimeoutMs: number;
  /** Sockets beyond this many open connections are refused (closed at once). */
  maxConnections: number;
  /**
   * Sockets beyond this many open connections from one address (one /64 for IPv6) are refused, so one host cannot
   * take every slot. Enough for OBS with several outputs to this server, or a restreaming box pushing a few
   * dozen channels, with players on the same network.
   */
  maxConnectionsPerAddress: number;
  /** One warning line per address (and one for the global cap) at most this often; the rest are counted. */
  refusalLogIntervalMs: number;
  /** Largest Set Chunk Size a peer may ask for. */
  maxChunkSize: number;
  /** Largest RTMP message a peer may announce (a keyframe can be several MiB). */
  maxMessageSize: number;
  /** Most chunk stream ids tracked per connection. */
  maxChunkStreams: number;
  /** Most bytes held in partially received messages per connection. */
  maxPartialBytes: number;
  /** Media bytes kept while the publish hook is deciding; more is dropped. */
  maxPendingPublishBytes: number;
  /** How long the publish/play hooks may take before the request is refused as unavailable. */
  hookTimeoutMs: number;
  /** Bytes queued to a player beyond which non-key video and audio are dropped. */
  maxPlayerQueueBytes: number;
  /** A player backed up past maxPlayerQueueBytes for this long is disconnected. */
  playerLagTimeoutMs: number;
  /** A player backed up past 4 x maxPlayerQueueBytes is disconnected at once. */
  maxPlayerQueueHardFactor: number;
  /** Bytes of the last GOP kept for new players; a longer GOP is not cached (players wait for the next keyframe). */
  maxGopCacheBytes: number;
  /**
   * Inter frames a publisher may hold back for one pass (see RtmpSession.onMessage): at the next keyframe, or when
   * this many are held. Short batches keep the work left when a keyframe closes a segment small (latency); the
   * work is per frame, not per pass, so they cost no more CPU than one pass per GOP.
   */
  maxDeferredFrames: number;
  maxDeferredBytes: number;
  /**
   * Publishers' socket reads are gathered into ticks of this many ms once at least `publisherReadTickMinPublishers`
   * publish (socket-reads.ts: ReadPacer); 0 reads every socket as its bytes come.
   */
  publisherReadTickMs: number;
  publisherReadTickMinPublishers: number;
  /** Our outgoing chunk size, announced with Set Chunk Size after connect. */
  outChunkSize: number;
  /** Window Acknowledgement Size we announce. */
  windowAckSize: number;
  /** Set Peer Bandwidth we announce (limit type dynamic). */
  peerBandwidth: number;
}

export const DEFAULT_RTMP_LIMITS: Readonly<RtmpLimits> = Object.freeze({
  handshakeTimeoutMs: 10_000,
  // OBS, ffmpeg and Larix send connect in the same round trip as C2, and publish two or three round trips after
  // it: well under a second on any network. 5 s and 10 s leave room for a slow mobile link and bound what one
  // socket that never asks for a stream can hold to 25 s with the handshake.
  connectTimeoutMs: 5_000,
  streamStartTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxConnections: 1000,
  maxConnectionsPerAddress: 32,
  refusalLogIntervalMs: 60_000,
  maxChunkSize: 16 * 1024 * 1024,
  maxMessageSize: 8 * 1024 * 1024,
  maxChunkStreams: 64,
  maxPartialBytes: 16 * 1024 * 1024,
  maxPendingPublishBytes: 4 * 1024 * 1024,
  hookTimeoutMs: 10_000,
  maxPlayerQueueBytes: 4 * 1024 * 1024,
  playerLagTimeoutMs: 10_000,
  maxPlayerQueueHardFactor: 4,
  maxGopCacheBytes: 32 * 1024 * 1024,
  maxDeferredFrames: 24,
  maxDeferredBytes: 4 * 1024 * 1024,
  // At most 40 ms more between a frame's arrival and its part (parts are 200 ms or more). Below 4 publishers a tick
  // costs more than it saves (bench/results/rtmp-read-ticks-2026-12-06.md).
  publisherReadTickMs: 40,
  publisherReadTickMinPublishers: 4,
  outChunkSize: 4096,
  windowAckSize: 2_500_000,
  peerBandwidth: 2_500_000,
});

export function resolveLimits(partial?: Partial<RtmpLimits>): RtmpLimits {
  return { ...DEFAULT_RTMP_LIMITS, ...(partial ?? {}) };
}
