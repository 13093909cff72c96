// The RTMP listener's numbers in the shape the stat pages (/stat, /api/stats, /metrics) read. One stats() snapshot
// per call, which is read-only on the listener.
import type { RtmpStats } from '../rtmp/server.js';
import type { RtmpTotals } from './deps.js';

export function rtmpTotals(rtmp: { stats(): RtmpStats }): () => RtmpTotals {
  return () => {
    const s = rtmp.stats();
    const streamOf = (channel: string) => s.streams.find((x) => x.channel === channel);
    return {
      naccepted: s.naccepted,
      nrefused: s.nrefused,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      bwIn: s.bwIn,
      bwOut: s.bwOut,
      connections: s.connections,
      clients: (channel) => {
        const st = streamOf(channel);
        if (!st) return [];
        return [
          ...(st.publisher
            ? [{ id: st.publisher.id, address: st.publisher.address, timeMs: st.publisher.timeMs, flashver: st.publisher.flashver, publishing: true }]
            : []),
          ...st.players.map((p) => ({
            id: p.id,
            address: p.address,
            timeMs: p.timeMs,
            flashver: p.flashver,
            publishing: false,
            bytesOut: p.bytesOut,
          })),
        ];
      },
      channelBytesOut: (channel) => {
        const st = streamOf(channel);
        return { bytesOut: st?.bytesOut ?? 0, bwOut: st?.bwOut ?? 0 };
      },
    };
  };
}
