// The live streams as the operator routes show them: this process's, or every node's in cluster mode, with the
// restream destinations and SRT link figures of those on this process.
import type { StreamStats } from '../api/types.js';
import type { HttpDeps } from './deps.js';

export async function liveStreamStats(deps: HttpDeps): Promise<StreamStats[]> {
  const all = deps.cluster ? await deps.cluster.stats.all() : deps.streams.stats((ch) => deps.viewers.count(ch));
  return all.map((s) => {
    const destinations = deps.restream.stats(s.channel);
    const srt = deps.srtIngest?.(s.channel);
    return { ...s, ...(destinations.length && { destinations }), ...(srt && { srt }) };
  });
}
