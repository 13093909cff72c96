// What the HTTP layer is given by the composition root. Typed against the modules' public classes only.
import type { AccessControl } from '../access/access.js';
import type { AccessChangeBus } from '../access/changes.js';
import type { Cluster } from '../cluster/cluster.js';
import type { OnairConfig } from '../config.js';
import type { ChatCommunity } from '../chat/community.js';
import type { AccountsService } from '../db/accounts.js';
import type { TokensRepo } from '../db/auth-tokens.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { LoginRateLimiter, RateWindows } from '../db/rate-limit.js';
import type { ReplaysRepo } from '../db/replays.js';
import type { InvitesRepo } from '../db/invites.js';
import type { FollowsRepo } from '../db/social.js';
import type { UsersRepo } from '../db/users.js';
import type { LastDelivery, Webhook, WebhooksRepo } from '../db/webhooks.js';
import type { DestinationsRepo } from '../db/destinations.js';
import type { StreamMetricsRepo } from '../db/stream-metrics.js';
import type { SystemMetrics } from '../services/system-metrics.js';
import type { RestreamService } from '../restream/service.js';
import type { Logger } from '../log.js';
import type { LiveStreams } from '../media/live-streams.js';
import type { Retention } from '../services/retention.js';
import type { TrustProxy } from './client-address.js';
import type { StatClient } from './stat-xml.js';
import type { SrtIngestStats } from '../api/types.js';

/** Numbers the RTMP listener reports, in the shape the stat pages need. */
export interface RtmpTotals {
  naccepted: number;
  /** Connections refused by the connection caps (in total or per address). */
  nrefused: number;
  bytesIn: number;
  bytesOut: number;
  bwIn: number;
  bwOut: number;
  connections: number;
  /** Per channel: publisher and players connected over RTMP. */
  clients(channel: string): StatClient[];
  channelBytesOut(channel: string): { bytesOut: number; bwOut: number };
}

export interface HttpDeps {
  config: OnairConfig;
  /** config.trustProxy compiled (client-address.ts). */
  trust: TrustProxy | false;
  logger: Logger;
  startedAt: number;
  accounts: AccountsService;
  users: UsersRepo;
  tokens: TokensRepo;
  channels: ChannelsRepo;
  replays: ReplaysRepo;
  follows: FollowsRepo;
  invites: InvitesRepo;
  /** Identities, visibility and the media access check (also used by chat). */
  access: AccessControl;
  /** Publish here whatever takes access back (revoked invite or tokens, unfollow, visibility, ban, key reset). */
  accessChanges: AccessChangeBus;
  /** Where rate limits count: this process, or with REDIS_URL every process (server/cluster/rate-windows.ts). */
  rateWindows: RateWindows;
  loginLimiter: LoginRateLimiter;
  streams: LiveStreams;
  /** Replay retention: deletes a replay its owner asked to delete, and says when it deleted one ('replay-deleted'). */
  retention: Pick<Retention, 'on' | 'deleteReplay'>;
  /** Players touch it on every live playlist; count() is the channel's viewers (services/audience.ts), as chat shows it. */
  viewers: { touch(channel: string, address: string, userAgent?: string): void; count(channel: string): number };
  rtmp: () => RtmpTotals;
  /** The SRT link of a channel's publisher, when it sends over SRT. */
  srtIngest?: (channel: string) => SrtIngestStats | undefined;
  /** Channels' outgoing webhooks. */
  webhooks: WebhooksRepo;
  /** Sends one test delivery now (WebhookDispatcher.sendTest). */
  webhookTests: { sendTest(webhook: Webhook): Promise<LastDelivery> };
  /** Channels' restream destinations (keys sealed; never returned). */
  destinations: DestinationsRepo;
  /** Restream while live: each destination's status, and applying the owner's changes (RestreamService). */
  restream: Pick<RestreamService, 'status' | 'stats' | 'refresh'>;
  /** Chat moderators, modes and moderation log (shared with chat, which spreads changes to every process). */
  community: ChatCommunity;
  /** Optional bearer token that opens /stat, /api/stats and /metrics to non-loopback clients. */
  adminToken?: string;
  /** Each stream's samples and health events (the streamer's dashboard). */
  streamMetrics: StreamMetricsRepo;
  /** The server process's CPU, memory and connections, with a short history (the operator's page). */
  system: Pick<SystemMetrics, 'sample' | 'history'>;
  /** Cluster mode: where other nodes' live channels are, and how to fetch their media. */
  cluster?: Cluster;
}
