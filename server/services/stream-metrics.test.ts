// The dashboard's sampler (services/stream-metrics.ts) on a real database, its stream driven by hand so that the
// publisher leaves and comes back at exact moments: between two samples, and while a sample is being written (the
// case CI's dashboard test hit on PostgreSQL, where a write takes long enough for an encoder to reconnect in it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsService } from '../db/accounts.js';
import { ChannelsRepo } from '../db/channels.js';
import { StreamMetricsRepo, type StreamSample } from '../db/stream-metrics.js';
import { silentLogger } from '../log.js';
import { KeyframeMeter } from '../media/keyframe-cadence.js';
import type { LiveStream } from '../media/live-stream.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';
import { StreamMetricsSampler } from './stream-metrics.js';

/** The parts of a live stream the sampler reads, moved by the test. */
function handDrivenStream(channel: string) {
  return {
    streamId: 'stream-under-test',
    channel,
    startedAt: Date.now(),
    bytesIn: 0,
    videoFrames: 0,
    state: 'live' as 'live' | 'waiting',
    discontinuities: 0,
    keyframes: new KeyframeMeter(2),
    info: () => ({ video: true }),
  };
}

/** The repository, with a hook run inside the next sample's write (before it reaches the database). */
class RepoWithHook extends StreamMetricsRepo {
  duringNextWrite?: () => void;
  override async addSample(streamId: string, channelId: number, s: StreamSample): Promise<void> {
    const hook = this.duringNextWrite;
    this.duringNextWrite = undefined;
    hook?.();
    await super.addSample(streamId, channelId, s);
  }
}

for (const kind of DB_KINDS) {
  describe(`stream metrics sampler (${kind.name})`, () => {
    let db: TestDb;
    let channelId: number;
    before(async () => {
      db = await kind.open();
      channelId = (await new AccountsService(db).createUserWithChannel('sampled', 'password123')).channel.id;
    });
    after(() => db?.cleanup());

    it('a reconnect is noted whether it falls between samples or inside one being written; bytes in that write count next', async () => {
      const stream = handDrivenStream('sampled');
      const repo = new RepoWithHook(db);
      const sampler = new StreamMetricsSampler({
        streams: { list: () => [stream as unknown as LiveStream], on: () => undefined as never },
        channels: new ChannelsRepo(db),
        metrics: repo,
        viewers: () => 0,
        intervalMs: 60_000,
        logger: silentLogger(),
      });
      const kinds = async () => (await repo.events(stream.streamId, channelId)).map((e) => e.kind);

      stream.bytesIn = 1000;
      await sampler.sample();
      // Lost and back between two samples: only the discontinuity shows it.
      stream.discontinuities = 1;
      await sampler.sample();
      assert.deepEqual(await kinds(), ['publisher-lost', 'publisher-returned']);

      // Lost; it comes back while the next sample is being written, with bytes that sample did not count.
      stream.state = 'waiting';
      repo.duringNextWrite = () => {
        stream.state = 'live';
        stream.discontinuities = 2;
        stream.bytesIn = 5000;
      };
      await sampler.sample();
      assert.deepEqual((await kinds()).slice(2), ['publisher-lost']);
      await sampler.sample();
      assert.deepEqual((await kinds()).slice(2), ['publisher-lost', 'publisher-returned'], 'the return is noted by the next sample');
      const samples = await repo.samples(stream.streamId, channelId);
      assert.equal(samples.length, 4);
      assert.equal(samples[2]!.bitrateKbps, 0, 'nothing came in while it was away');
      assert.ok(samples[3]!.bitrateKbps > 0, 'the bytes that came in during the write are counted by the next sample');
    });
  });
}
