// Publish authorisation: which stream key may publish to which channel, and dropping a publisher whose key was
// replaced (here, by the CLI, or on another process: the stream-key-reset AccessChange reaches every process).
import type { ChannelsRepo } from '../db/channels.js';
import type { Logger } from '../log.js';
import type { LiveStreams } from '../media/live-streams.js';
import type { PublishDecision, PublishRequest } from '../rtmp/types.js';

export interface PublishAuthorizerOptions {
  channels: ChannelsRepo;
  streams: LiveStreams;
  /** Drops the live publisher of a channel (the RTMP server's kick). */
  kick(channel: string, reason: string): void;
  logger: Logger;
}

export class PublishAuthorizer {
  /** The key each live publisher used, kept in memory only, so a replaced key can be recognised. */
  private readonly keys = new Map<string, string>();

  constructor(private readonly opts: PublishAuthorizerOptions) {}

  /** The RTMP publish hook: decided before NetStream.Publish.Start. */
  authorize = async (req: PublishRequest): Promise<PublishDecision> => {
    const { channels, streams, logger } = this.opts;
    if (req.app !== 'live')
      return { ok: false, code: 'bad_app', reason: 'Publish to the "live" application: rtmp://HOST/live with your stream key.' };
    const channel = req.streamKey ? await channels.byStreamKey(req.streamKey) : null;
    if (!channel) {
      logger.warn({ connectionId: req.connectionId, address: req.remoteAddress }, 'publish refused: unknown stream key');
      return { ok: false, code: 'bad_name', reason: 'Unknown stream key. Copy the current key from your channel settings.' };
    }
    if (streams.isPublishing(channel.name)) {
      return { ok: false, code: 'already_live', reason: 'This channel is already live from another encoder.' };
    }
    const sink = await streams.open(channel.name, req.remoteAddress);
    this.keys.set(channel.name, req.streamKey);
    logger.info({ channel: channel.name, connectionId: req.connectionId, address: req.remoteAddress }, 'publisher accepted');
    return { ok: true, channel: channel.name, sink };
  };

  /** A channel's key was replaced: its publisher is dropped if it still uses the old one. */
  async keyReset(channelName: string): Promise<void> {
    const used = this.keys.get(channelName);
    if (used === undefined) return;
    if (!this.opts.streams.isPublishing(channelName)) {
      this.keys.delete(channelName);
      return;
    }
    const owner = await this.opts.channels.byStreamKey(used);
    if (owner?.name === channelName) return;
    this.keys.delete(channelName);
    this.opts.kick(channelName, 'stream key regenerated');
  }
}
