// Publish authorisation: which stream key may publish to which channel, and dropping a publisher whose key was
// replaced (here, by the CLI, or on another process: the stream-key-reset AccessChange reaches every process).
import type { OriginRegistry } from '../cluster/origins.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { Channel } from '../db/models.js';
import type { UsersRepo } from '../db/users.js';
import type { Logger } from '../log.js';
import { verticalKey } from '../media/live-stream.js';
import type { LiveStreams } from '../media/live-streams.js';
import type { PublishDecision, PublishRequest } from '../rtmp/types.js';

export interface PublishAuthorizerOptions {
  channels: ChannelsRepo;
  /** Accounts the operator disabled may not publish. */
  users: Pick<UsersRepo, 'isDisabled'>;
  streams: LiveStreams;
  /** Cluster mode: one publisher per channel across the nodes, and where each channel's origin is. */
  origins?: OriginRegistry;
  /** Drops the live publisher of a channel (the RTMP server's kick). */
  kick(channel: string, reason: string): void;
  /** The channel row a publisher's key found: the access check keeps its facts (media then needs no query). */
  known?(channel: Channel): void;
  logger: Logger;
}

/** The RTMP application of a channel's vertical companion: rtmp://HOST/vertical with the channel's stream key. */
export const VERTICAL_APP = 'vertical';

export class PublishAuthorizer {
  /** The key each live publisher used, kept in memory only, so a replaced key can be recognised. */
  private readonly keys = new Map<string, string>();

  constructor(private readonly opts: PublishAuthorizerOptions) {}

  /** The RTMP publish hook: decided before NetStream.Publish.Start. */
  authorize = async (req: PublishRequest): Promise<PublishDecision> => {
    const { channels, streams, logger } = this.opts;
    if (req.app !== 'live' && req.app !== VERTICAL_APP)
      return { ok: false, code: 'bad_app', reason: 'Publish to the "live" application: rtmp://HOST/live with your stream key.' };
    const channel = req.streamKey ? await channels.byStreamKey(req.streamKey) : null;
    if (!channel) {
      logger.warn({ connectionId: req.connectionId, address: req.remoteAddress }, 'publish refused: unknown stream key');
      return { ok: false, code: 'bad_name', reason: 'Unknown stream key. Copy the current key from your channel settings.' };
    }
    this.opts.known?.(channel);
    if (await this.opts.users.isDisabled(channel.userId)) {
      logger.warn({ channel: channel.name, connectionId: req.connectionId }, 'publish refused: account disabled');
      return { ok: false, code: 'account_disabled', reason: 'This account is disabled by the server’s operator.' };
    }
    if (req.app === VERTICAL_APP) return this.authorizeVertical(req, channel.name);
    const alreadyLive = { ok: false, code: 'already_live', reason: 'This channel is already live from another encoder.' } as const;
    if (streams.isPublishing(channel.name)) return alreadyLive;
    const { origins } = this.opts;
    const claim = origins && (await origins.claim(channel.name));
    if (claim && !claim.ok) {
      logger.info({ channel: channel.name, connectionId: req.connectionId }, 'publish refused: live on another node');
      return alreadyLive;
    }
    // Taken over from a node that died while live: the new stream's playlists go on from the dead one's numbers.
    const predecessor = claim ? claim.predecessor : undefined;
    let sink;
    try {
      sink = await streams.open(channel.name, req.remoteAddress, 'main', predecessor);
    } catch (err) {
      if (!streams.get(channel.name)) await origins?.release(channel.name);
      throw err;
    }
    const streamId = streams.get(channel.name)?.streamId;
    if (origins && streamId) await origins.announce(channel.name, streamId, predecessor?.streamIds);
    if (predecessor) logger.info({ channel: channel.name, streamId, succeeds: predecessor.streamIds }, 'channel taken over from a node that died');
    this.keys.set(channel.name, req.streamKey);
    logger.info({ channel: channel.name, connectionId: req.connectionId, address: req.remoteAddress }, 'publisher accepted');
    return { ok: true, channel: channel.name, sink };
  };

  /**
   * The vertical companion (app `vertical`, same stream key): one per channel, whether or not the main stream is
   * on air (encoders start their outputs one after the other). It is registered and published under
   * verticalKey(channel), so it never counts as the channel's stream. Served from the node it is published to.
   */
  private async authorizeVertical(req: PublishRequest, channel: string): Promise<PublishDecision> {
    const { streams, logger } = this.opts;
    const key = verticalKey(channel);
    if (streams.isPublishing(key))
      return { ok: false, code: 'already_live', reason: 'This channel already has a vertical stream from another encoder.' };
    const sink = await streams.open(channel, req.remoteAddress, 'vertical');
    this.keys.set(key, req.streamKey);
    logger.info({ channel, connectionId: req.connectionId, address: req.remoteAddress }, 'vertical publisher accepted');
    return { ok: true, channel: key, sink };
  }

  /** A channel's key was replaced: its publishers (the stream and its vertical companion) are dropped if they still use the old one. */
  async keyReset(channelName: string): Promise<void> {
    for (const key of [channelName, verticalKey(channelName)]) {
      const used = this.keys.get(key);
      if (used === undefined) continue;
      if (!this.opts.streams.isPublishing(key)) {
        this.keys.delete(key);
        continue;
      }
      const owner = await this.opts.channels.byStreamKey(used);
      if (owner?.name === channelName && !(await this.opts.users.isDisabled(owner.userId))) continue;
      this.keys.delete(key);
      this.opts.kick(key, 'stream key regenerated');
    }
  }
}
