// What a link to one of the site's pages shows where it is pasted (chat apps, social sites): the <title> and the
// Open Graph / Twitter card tags the server writes into the viewer app's index.html. Link crawlers run no
// JavaScript and send no cookies, so the tags hold only what anyone may see: a public channel's or replay's
// title, a description, its thumbnail and its link. Followers-only and invite-only channels, their replays,
// unknown names and every other page get the site's generic tags, the same for all: a link cannot tell a
// private channel from one that does not exist. The tags never depend on who asks.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { Channel } from '../db/models.js';
import type { HttpDeps } from './deps.js';
import { channelUrls, publicBase, replayUrls, type PublicBase } from './urls.js';

export interface PageMeta {
  /** The document's <title>. */
  title: string;
  /** og:title and twitter:title. */
  heading: string;
  description: string;
  /** og:url: the page's link, absolute (null: none). */
  url: string | null;
  /** og:image: a thumbnail, absolute (null: none). */
  image: string | null;
  type: 'website' | 'video.other';
}

export const SITE_NAME = 'Onair';

/** Every page that is not a public channel's or replay's, and every private one. */
export const GENERIC_META: PageMeta = {
  title: SITE_NAME,
  heading: SITE_NAME,
  description: 'Live streams and replays on Onair.',
  url: null,
  image: null,
  type: 'website',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML text and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The <title> and meta tags for a page, escaped. */
export function metaTags(meta: PageMeta): string {
  const tag = (attr: 'name' | 'property', key: string, value: string | null) =>
    value === null ? [] : [`<meta ${attr}="${key}" content="${escapeHtml(value)}" />`];
  return [
    `<title>${escapeHtml(meta.title)}</title>`,
    ...tag('name', 'description', meta.description),
    ...tag('property', 'og:site_name', SITE_NAME),
    ...tag('property', 'og:type', meta.type),
    ...tag('property', 'og:title', meta.heading),
    ...tag('property', 'og:description', meta.description),
    ...tag('property', 'og:url', meta.url),
    ...tag('property', 'og:image', meta.image),
    ...tag('name', 'twitter:card', meta.image ? 'summary_large_image' : 'summary'),
    ...tag('name', 'twitter:title', meta.heading),
    ...tag('name', 'twitter:description', meta.description),
    ...tag('name', 'twitter:image', meta.image),
  ].join('\n    ');
}

/** index.html with the page's tags in place of its <title> (or, without one, at the end of <head>). */
export function injectMeta(html: string, meta: PageMeta): string {
  const tags = metaTags(meta);
  // Replacer functions: a title with "$&" or "$1" in it must stay text, not become a replacement pattern.
  if (/<title>[^<]*<\/title>/.test(html)) return html.replace(/<title>[^<]*<\/title>/, () => tags);
  return html.replace('</head>', () => `${tags}\n  </head>`);
}

/** "1:02:03" or "4:05". */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

const CHANNEL_PAGE = /^\/c\/([A-Za-z0-9_-]{1,64})(\/replays)?$/;
const REPLAY_PAGE = /^\/replay\/([A-Za-z0-9_-]{1,64})$/;

type MetaDeps = Pick<HttpDeps, 'config' | 'trust' | 'channels' | 'replays' | 'streams'>;

/** The tags for a request of an app page: a public channel, its replays, a public replay; else GENERIC_META. */
export function pageMetaSource(deps: MetaDeps): (req: FastifyRequest) => Promise<PageMeta> {
  const exists = (file: string) =>
    stat(file).then(
      (st) => st.isFile(),
      () => false,
    );
  const replayThumb = async (base: PublicBase, id: string) =>
    (await exists(path.join(deps.streams.mediaDir, id, 'thumb.jpg'))) ? replayUrls(base, id).thumbnail : null;
  /** The newest replay's thumbnail, for a channel page with no live picture. */
  const newestReplayThumb = async (base: PublicBase, channel: Channel) => {
    const [newest] = await deps.replays.listByChannel(channel.id, 1);
    return newest ? replayThumb(base, newest.id) : null;
  };

  async function channelMeta(base: PublicBase, name: string, replaysPage: boolean): Promise<PageMeta> {
    const channel = await deps.channels.byName(name.toLowerCase());
    if (!channel || channel.visibility !== 'public') return GENERIC_META;
    const urls = channelUrls(base, channel.name);
    if (replaysPage) {
      return {
        title: `${channel.name} replays · ${SITE_NAME}`,
        heading: `${channel.name} replays`,
        description: `Past streams of ${channel.name} on ${SITE_NAME}.`,
        url: urls.replays,
        image: await newestReplayThumb(base, channel),
        type: 'website',
      };
    }
    const live = deps.streams.get(channel.name);
    const liveThumb = live && (await exists(path.join(live.dir, 'thumb.jpg'))) ? urls.thumbnail : null;
    const heading = channel.title || channel.name;
    return {
      title: `${heading} · ${SITE_NAME}`,
      heading,
      description: live ? `${channel.name} is live on ${SITE_NAME} now.` : `${channel.name} on ${SITE_NAME}: live streams and replays.`,
      url: urls.watch,
      image: liveThumb ?? (await newestReplayThumb(base, channel)),
      type: live ? 'video.other' : 'website',
    };
  }

  async function replayMeta(base: PublicBase, id: string): Promise<PageMeta> {
    const replay = await deps.replays.byId(id);
    if (!replay || replay.deletedAt !== null) return GENERIC_META;
    const channel = await deps.channels.byId(replay.channelId);
    if (!channel || channel.visibility !== 'public') return GENERIC_META;
    const day = new Date(replay.startedAt).toISOString().slice(0, 10);
    return {
      title: `${replay.title} · ${SITE_NAME}`,
      heading: replay.title,
      description: `Replay of ${channel.name}'s stream of ${day} (${clock(replay.durationSeconds)}) on ${SITE_NAME}.`,
      url: replayUrls(base, replay.id).page,
      image: await replayThumb(base, replay.id),
      type: 'video.other',
    };
  }

  return async (req) => {
    const pathname = req.url.split('?')[0];
    const base = () => publicBase(deps.config, req.raw, deps.trust);
    let m = CHANNEL_PAGE.exec(pathname);
    if (m) return channelMeta(base(), m[1], !!m[2]);
    m = REPLAY_PAGE.exec(pathname);
    if (m) return replayMeta(base(), m[1]);
    return GENERIC_META;
  };
}
