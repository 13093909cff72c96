import type { OnairConfig } from '../config.js';

/** Public media URLs of a channel and a replay: by channel name or stream id, never by key. */
export function channelUrls(config: OnairConfig, channel: string) {
  const base = config.publicUrl;
  return {
    hls: `${base}/hls/${channel}/index.m3u8`,
    dash: `${base}/dash/${channel}/index.mpd`,
    thumbnail: `${base}/hls/${channel}/thumb.jpg`,
  };
}

export function replayUrls(config: OnairConfig, id: string) {
  const base = config.publicUrl;
  return {
    hls: `${base}/vod/${id}/index.m3u8`,
    dash: `${base}/vod/${id}/index.mpd`,
    thumbnail: `${base}/vod/${id}/thumb.jpg`,
  };
}
