// /stat in nginx-rtmp's rtmp_stat schema, so existing stat.xsl dashboards keep working. Pure.
import type { StreamStats } from '../api/types.js';

export interface StatClient {
  id: string;
  address: string;
  /** Milliseconds connected. */
  timeMs: number;
  flashver: string;
  publishing: boolean;
  bytesOut?: number;
}

export interface StatSnapshot {
  version: string;
  pid: number;
  uptimeSeconds: number;
  naccepted: number;
  bwIn: number;
  bwOut: number;
  bytesIn: number;
  bytesOut: number;
  app: string;
  streams: Array<StreamStats & { clients: StatClient[]; bytesOut: number; bwOut: number }>;
}

const esc = (s: string | number) =>
  String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

const el = (name: string, value: string | number) => `<${name}>${esc(value)}</${name}>`;

/** nginx-rtmp prints codec names this way. */
function codecName(codec: string): string {
  if (codec.startsWith('avc1')) return 'H264';
  if (codec.startsWith('hvc1') || codec.startsWith('hev1')) return 'H265';
  if (codec.startsWith('av01')) return 'AV1';
  if (codec.startsWith('mp4a')) return 'AAC';
  return codec.toUpperCase();
}

export function renderStatXml(s: StatSnapshot): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8" ?>',
    '<?xml-stylesheet type="text/xsl" href="stat.xsl" ?>',
    '<rtmp>',
    el('nginx_version', s.version),
    el('nginx_rtmp_version', s.version),
    el('compiler', 'onair'),
    el('built', 'onair'),
    el('pid', s.pid),
    el('uptime', Math.floor(s.uptimeSeconds)),
    el('naccepted', s.naccepted),
    el('bw_in', Math.round(s.bwIn)),
    el('bytes_in', s.bytesIn),
    el('bw_out', Math.round(s.bwOut)),
    el('bytes_out', s.bytesOut),
    '<server>',
    '<application>',
    el('name', s.app),
    '<live>',
  ];
  let total = 0;
  for (const st of s.streams) {
    out.push('<stream>', el('name', st.channel), el('time', Math.round(st.uptimeSeconds * 1000)));
    out.push(el('bw_in', st.bitrateKbps * 1000), el('bytes_in', st.bytesIn), el('bw_out', Math.round(st.bwOut)), el('bytes_out', st.bytesOut));
    out.push(el('bw_audio', 0), el('bw_video', 0));
    for (const c of st.clients) {
      out.push('<client>', el('id', c.id), el('address', c.address), el('time', Math.round(c.timeMs)), el('flashver', c.flashver));
      out.push(el('dropped', 0), el('avsync', 0), el('timestamp', Math.round(c.timeMs)));
      if (c.publishing) out.push('<publishing/>');
      out.push('<active/>', '</client>');
    }
    out.push('<meta>');
    if (st.video) {
      out.push('<video>', el('width', st.video.width), el('height', st.video.height), el('frame_rate', st.video.fps ?? 0));
      out.push(
        el('codec', codecName(st.video.codec)),
        el('profile', st.video.profile ?? ''),
        el('compat', 0),
        el('level', st.video.level ?? ''),
        '</video>',
      );
    }
    if (st.audio) {
      out.push('<audio>', el('codec', codecName(st.audio.codec)), el('profile', st.audio.profile ?? 'LC'));
      out.push(el('channels', st.audio.channels), el('sample_rate', st.audio.sampleRate), '</audio>');
    }
    out.push('</meta>');
    const n = st.clients.length + st.viewers;
    total += n;
    out.push(el('nclients', n));
    if (st.state === 'live') out.push('<publishing/>', '<active/>');
    out.push('</stream>');
  }
  out.push(el('nclients', total), '</live>', '</application>', '</server>', '</rtmp>');
  return out.join('\n') + '\n';
}
