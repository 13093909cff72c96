// Links shown to people: invite links, watch and media URLs, the RTMP server URL for OBS. Every one is built here,
// from one base. ONAIR_PUBLIC_URL fixes the base; without it the base is the address the visitor used (the Host
// header, or a trusted proxy's X-Forwarded-Host/-Proto), so a friend who opened http://192.168.1.5:8080 gets links
// that work on their device, not http://localhost. A Host that is not a plain hostname or IP (with optional port)
// falls back to the configured default: a forged Host must not put markup or odd URLs into links.
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import { rtmpsUrlBeside, srtUrlBeside, type OnairConfig } from '../config.js';
import { requestedHost, requestedProto, type TrustProxy } from './client-address.js';

/** Where links point: the site (no trailing slash) and the RTMP server URL streamers paste into OBS. */
export interface PublicBase {
  web: string;
  rtmp: string;
  /** The RTMPS server URL, when RTMPS is on. */
  rtmps?: string;
  /** The SRT server URL (srt://HOST:PORT; the key goes in ?streamid=), when SRT is on. */
  srt?: string;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(${LABEL}(?:\\.${LABEL})*)(?::(\\d{1,5}))?$`);
const HOST_IPV6 = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/;

/** A Host header split into hostname and port, or null when it is anything but a hostname or IP with optional port. */
export function parseHost(host: string | undefined): { hostname: string; port: string } | null {
  if (!host || host.length > 260) return null;
  const h = host.toLowerCase();
  const m = HOST_NAME.exec(h) ?? HOST_IPV6.exec(h);
  if (!m) return null;
  const port = m[2] ?? '';
  if (port && (Number(port) < 1 || Number(port) > 65535)) return null;
  if (h.startsWith('[')) return isIPv6(m[1]) ? { hostname: `[${m[1]}]`, port } : null;
  return { hostname: m[1], port };
}

/** The configured base: ONAIR_PUBLIC_URL, or the default (http://localhost:<port>) when it is unset. */
export function configuredBase(config: OnairConfig): PublicBase {
  return {
    web: config.publicUrl,
    rtmp: config.rtmpPublicUrl,
    ...(config.rtmps && { rtmps: config.rtmpsPublicUrl }),
    ...(config.srt && { srt: config.srtPublicUrl }),
  };
}

/** The base for links in the answer to `req`. */
export function publicBase(config: OnairConfig, req: IncomingMessage, trust: TrustProxy | false): PublicBase {
  if (config.publicUrlSet) return configuredBase(config);
  const host = parseHost(requestedHost(req, trust));
  if (!host) return configuredBase(config);
  const web = `${requestedProto(req, trust)}://${host.hostname}${host.port ? `:${host.port}` : ''}`;
  const rtmps = config.rtmps && { rtmps: config.rtmpsPublicUrl };
  const srt = config.srt && { srt: config.srtPublicUrl };
  if (config.rtmpPublicUrlSet) return { web, rtmp: config.rtmpPublicUrl, ...rtmps, ...srt };
  // The same host on the RTMP (and RTMPS) port and path of the default URLs.
  const rtmp = /^rtmp:\/\/[^/]*?(:\d+)?(\/.*)?$/.exec(config.rtmpPublicUrl);
  const visited = `rtmp://${host.hostname}${rtmp?.[1] ?? ''}${rtmp?.[2] ?? '/live'}`;
  return {
    web,
    rtmp: visited,
    ...(config.rtmps && { rtmps: rtmpsUrlBeside(visited, config.rtmps.port) }),
    ...(config.srt && { srt: srtUrlBeside(visited, config.srt.port) }),
  };
}

/** What the startup banner says about links. */
export function publicUrlNotice(config: OnairConfig): string {
  return config.publicUrlSet
    ? `Links use ONAIR_PUBLIC_URL=${config.publicUrl}`
    : 'Links follow the address each visitor uses; set ONAIR_PUBLIC_URL=https://... to fix one';
}

/** Public pages and media URLs of a channel and a replay: by channel name or stream id, never by key or token. */
export function channelUrls(base: PublicBase, channel: string) {
  return {
    watch: `${base.web}/c/${channel}`,
    replays: `${base.web}/c/${channel}/replays`,
    hls: `${base.web}/hls/${channel}/index.m3u8`,
    verticalHls: `${base.web}/hls/${channel}/vertical/index.m3u8`,
    dash: `${base.web}/dash/${channel}/index.mpd`,
    thumbnail: `${base.web}/hls/${channel}/thumb.jpg`,
  };
}

export function replayUrls(base: PublicBase, id: string) {
  return {
    page: `${base.web}/replay/${id}`,
    hls: `${base.web}/vod/${id}/index.m3u8`,
    dash: `${base.web}/vod/${id}/index.mpd`,
    thumbnail: `${base.web}/vod/${id}/thumb.jpg`,
  };
}

/** A replay's page in the viewer app. */
export function replayPageUrl(base: PublicBase, id: string): string {
  return `${base.web}/replay/${id}`;
}

/** The landing page of an invite. */
export function inviteUrl(base: PublicBase, token: string): string {
  return `${base.web}/i/${token}`;
}
