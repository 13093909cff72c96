// What the Studio asks the Onair server about the signed-in channel, and the phone's set-up link: the handlers of
// 'phone:setup', 'channel:serverView' (with the server's restream destinations), 'channel:liveMetrics',
// 'monitor:source' and 'chat:endpoint', apart from studio-core.ts (which holds the session and the broadcast). Each
// takes the secrets and an API client; no state.
import QRCode from 'qrcode';
import { destinationHost } from '../../../server/restream/input.js';
import type { InvokeReply } from '../../ipc-contract.js';
import type { createApiClient } from '../../../renderer/shared/api.js';
import type { Secrets } from './secret-store.js';

type ApiClient = ReturnType<typeof createApiClient>;
type OnairSecrets = Extract<Secrets, { mode: 'onair' }>;

/** Larix Broadcaster's import link: one RTMP connection with the key appended to the URL. */
export function larixLink(rtmpUrl: string, streamKey: string, name: string): string {
  const url = `${rtmpUrl.replace(/\/+$/, '')}/${streamKey}`;
  const q = [`conn[][url]=${encodeURIComponent(url)}`, `conn[][name]=${encodeURIComponent(name)}`, 'conn[][overwrite]=on'];
  return `larix://set/v1?${q.join('&')}`;
}

export async function phoneSetup(s: Secrets): Promise<InvokeReply<'phone:setup'>> {
  const link = larixLink(s.rtmpUrl, s.streamKey, s.mode === 'onair' ? `Onair ${s.channel}` : 'Onair');
  const svg = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return {
    rtmpUrl: s.rtmpUrl,
    streamKey: s.streamKey,
    larixLink: link,
    qrSvgDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  };
}

export async function serverView(client: ApiClient): Promise<InvokeReply<'channel:serverView'>> {
  // A server without restreaming (older, or the route refused) has no destinations to show.
  const [ch, destinations] = await Promise.all([client.myChannel(), client.destinations().catch(() => [])]);
  // Only what the window shows, never the key; a server without the measurement simply has no warning.
  const w = ch.keyframes?.warning;
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 1000) : '');
  return {
    live: ch.live === true,
    keyframeWarning:
      w && typeof w.intervalSeconds === 'number' ? { intervalSeconds: w.intervalSeconds, message: text(w.message), fix: text(w.fix) } : null,
    restreams: destinations.map((d) => ({
      id: d.id,
      name: text(d.name),
      host: destinationHost(d.url),
      enabled: d.enabled,
      status: {
        state: d.status.state,
        reason: d.status.reason && text(d.status.reason),
        bitrateKbps: d.status.bitrateKbps,
        droppedFrames: d.status.droppedFrames,
      },
    })),
  };
}

export async function liveMetrics(client: ApiClient): Promise<InvokeReply<'channel:liveMetrics'>> {
  const live = (await client.myStreams()).streams.find((x) => x.live);
  return live ? client.streamMetrics(live.id) : null;
}

export async function monitorSource(s: OnairSecrets, client: ApiClient): Promise<InvokeReply<'monitor:source'>> {
  // The server the Studio signed in to, which it reaches by definition (the channel's public URL may not be).
  const hlsUrl = `${s.serverUrl}/hls/${encodeURIComponent(s.channel)}/index.m3u8`;
  if ((await client.myChannel()).visibility === 'public') return { hlsUrl };
  const { token } = await client.mediaToken(s.channel);
  return { hlsUrl: `${hlsUrl}?t=${encodeURIComponent(token)}` };
}
