// The bodies webhooks send, built from what happened: Onair's own JSON (WebhookPayload, server/api/types.ts) or a
// Discord webhook message. Pure. What a channel that is not public gives away is decided here, once: its name, its
// watch page (which asks for a sign-in or an invite) and the times, never its title, tags, pictures or replay.
import type { ChannelVisibility, WebhookFormat, WebhookPayload } from '../api/types.js';
import { channelUrls, replayPageUrl, replayUrls, type PublicBase } from '../http/urls.js';

export interface StreamNews {
  event: 'live' | 'ended' | 'test';
  channel: { name: string; title: string; visibility: ChannelVisibility; tags: string[] };
  /** The stream (its folder and replay id); absent for a test. */
  streamId?: string;
  startedAt: number;
  /** `ended` only. */
  endedAt?: number;
  durationSeconds?: number;
  /** `ended`: a replay was kept. */
  hasReplay?: boolean;
  /** Thumbnails are made on this server (ONAIR_THUMBNAIL_SECONDS > 0). */
  thumbnails: boolean;
  /** Where links point. */
  base: PublicBase;
  /** The same for every attempt of one delivery. */
  deliveryId: string;
}

/** A Discord "execute webhook" body: https://discord.com/developers/docs/resources/webhook#execute-webhook */
export interface DiscordMessage {
  content: string;
  embeds: DiscordEmbed[];
  /** Always empty: a title such as "@everyone" must not ping anybody. */
  allowed_mentions: { parse: never[] };
}

export interface DiscordEmbed {
  title: string;
  url: string;
  description: string;
  color: number;
  timestamp: string;
  footer: { text: string };
  image?: { url: string };
  fields?: { name: string; value: string; inline?: boolean }[];
}

const COLORS = { live: 0xd92d20, ended: 0x6b7280, test: 0x6d28d9 } as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** 3725 -> "1:02:05", 65 -> "1:05". */
export function spokenDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Text shown as is in Discord message content: markdown characters escaped. */
export function discordEscape(text: string): string {
  return text.replace(/[\\*_~`|>[\]()#-]/g, (c) => `\\${c}`);
}

export function jsonPayload(n: StreamNews): WebhookPayload {
  const { name, title, visibility, tags } = n.channel;
  const isPublic = visibility === 'public';
  const body: WebhookPayload = {
    event: n.event,
    channel: name,
    visibility,
    url: channelUrls(n.base, name).watch,
    startedAt: iso(n.startedAt),
    deliveryId: n.deliveryId,
  };
  if (isPublic) {
    body.title = title;
    body.tags = tags;
    const thumbnail =
      n.event === 'ended' ? (n.streamId && n.hasReplay ? replayUrls(n.base, n.streamId).thumbnail : undefined) : channelUrls(n.base, name).thumbnail;
    if (n.thumbnails && thumbnail) body.thumbnail = thumbnail;
  }
  if (n.event === 'ended') {
    body.endedAt = iso(n.endedAt ?? n.startedAt);
    body.durationSeconds = Math.round((n.durationSeconds ?? 0) * 10) / 10;
    if (isPublic && n.hasReplay && n.streamId) body.replayUrl = replayPageUrl(n.base, n.streamId);
  }
  return body;
}

/** Why a private channel's link asks for something, in the words its followers see. */
const PRIVATE_HINT: Record<Exclude<ChannelVisibility, 'public'>, string> = {
  followers: 'Followers only: sign in to watch.',
  invite: 'Invite only: open your invite link to watch.',
};

export function discordPayload(n: StreamNews): DiscordMessage {
  const p = jsonPayload(n);
  const who = `**${discordEscape(p.channel)}**`;
  const named = p.title ? `: ${discordEscape(p.title)}` : '';
  const privateHint = p.visibility === 'public' ? '' : PRIVATE_HINT[p.visibility];
  let content: string;
  let embed: DiscordEmbed;
  const common = { url: p.url, timestamp: new Date().toISOString(), footer: { text: 'Onair' } };
  if (p.event === 'ended') {
    const length = spokenDuration(p.durationSeconds ?? 0);
    content = `${who}'s stream ended (${length}).`;
    embed = {
      ...common,
      title: p.title || `${p.channel}'s stream ended`,
      description: [`The stream ended after ${length}.`, p.replayUrl ? `[Watch the replay](${p.replayUrl})` : privateHint].filter(Boolean).join('\n'),
      color: COLORS.ended,
      timestamp: p.endedAt ?? common.timestamp,
    };
  } else {
    const test = p.event === 'test';
    content = test ? `Test from Onair: ${who}'s live and ended notices will arrive here.` : `${who} is live${named}`;
    embed = {
      ...common,
      title: p.title || `${p.channel} is live`,
      description: privateHint || `${p.channel} is live now on Onair.`,
      color: test ? COLORS.test : COLORS.live,
    };
  }
  if (p.thumbnail) embed.image = { url: p.thumbnail };
  if (p.tags?.length) embed.fields = [{ name: 'Tags', value: p.tags.join(' · '), inline: true }];
  return { content, embeds: [embed], allowed_mentions: { parse: [] } };
}

export function webhookBody(format: WebhookFormat, n: StreamNews): WebhookPayload | DiscordMessage {
  return format === 'discord' ? discordPayload(n) : jsonPayload(n);
}
