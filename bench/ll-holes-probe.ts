// Where Low-Latency viewers' buffer holes come from: VIEWERS hls.js players (lowLatencyMode) in Debian's Chromium
// play one ffmpeg-published stream for SECONDS, with two busy loops starving the box's cores unless LOAD=0. Prints,
// per viewer, the holes seen in each SourceBuffer (audio and video apart), hls.js's non-timeout errors, failed or
// refused requests, and any GAP or zero-length part the playlists listed. A probe for choosing what to fix, not a
// benchmark; loopback only, bounded in time.
//
//   SECONDS=60 VIEWERS=3 [LOAD=0] npx tsx bench/ll-holes-probe.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { waitFor } from '../server/test-support/process.js';
import { newStreamer, publish, startTestServer } from '../server/test-support/server.js';

const SECONDS = Number(process.env.SECONDS ?? 60);
const VIEWERS = Number(process.env.VIEWERS ?? 3);
const s = await startTestServer();
const a = await newStreamer(s.base, 'alice');
const pub = publish(`${s.rtmpBase}/${a.channel.streamKey}`, { seconds: SECONDS + 40 });
await waitFor('segments', () => (s.streams.get('alice')?.segments ?? 0) >= 3, 30_000);
const hlsJs = readFileSync('node_modules/hls.js/dist/hls.min.js');
const site = createServer((req, res) => {
  if (req.url === '/hls.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
  else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/hls.min.js"></script><body></body>');
});
await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
const siteBase = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
});
const loads = process.env.LOAD === '0' ? [] : [spawn('yes', { stdio: 'ignore' }), spawn('yes', { stdio: 'ignore' })];
// Playlist watcher: GAP parts and zero-duration parts in the audio/video playlists.
const stream = s.streams.get('alice')!;
const gapLines = new Set<string>();
let polling = true;
const poll = (async () => {
  while (polling) {
    for (const f of ['audio.m3u8', 'video.m3u8']) {
      const t = await (await fetch(`${s.base}/vod/${stream.streamId}/${f}`)).text();
      for (const l of t.split('\n')) if (/GAP=YES|DURATION=0\.000/.test(l)) gapLines.add(`${f} ${l}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
})();
const pages = [];
for (let i = 0; i < VIEWERS; i++) {
  const page = await browser.newPage();
  const t0 = Date.now();
  const bad: string[] = [];
  (page as any).bad = bad;
  page.on('response', (r) => {
    if (r.status() >= 400) bad.push(`${((Date.now() - t0) / 1000).toFixed(2)} ${r.status()} ${r.url().split('/').pop()}`);
  });
  page.on('requestfailed', (r) => bad.push(`${((Date.now() - t0) / 1000).toFixed(2)} FAILED ${r.failure()?.errorText} ${r.url().split('/').pop()}`));
  await page.goto(siteBase);
  await page.evaluate(
    ([src, trace]) => {
      const w = window as any;
      w.trace_on = trace;
      w.sbs = [];
      const add = MediaSource.prototype.addSourceBuffer;
      MediaSource.prototype.addSourceBuffer = function (mime: string) {
        const sb = add.call(this, mime);
        w.sbs.push({ mime, sb });
        return sb;
      };
      w.holes = [];
      w.events = [];
      const video = document.createElement('video');
      video.muted = true;
      document.body.appendChild(video);
      // TRACE: hls.js's own log of what each controller loads, buffers, skips and nudges, kept for the report.
      w.trace = [];
      w.keep = (...a: unknown[]) => {
        const line = a.map(String).join(' ');
        if (/Loading (audio|main)|Buffered (audio|main)|LL-Part|skipping hole|Nudging|Need buffer|Playhead|seek/i.test(line))
          w.trace.push(`${(performance.now() / 1000).toFixed(2)} ${line.slice(0, 300)}`);
      };
      const debug = w.trace_on ? { log: w.keep, warn: w.keep, info: w.keep, debug: w.keep, error: w.keep } : false;
      const hls = new w.Hls({ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5, debug });
      w.hls = hls;
      hls.on(w.Hls.Events.ERROR, (_e: unknown, d: any) => {
        if (/LoadTimeOut/.test(d.details)) return;
        w.events.push(
          `${(performance.now() / 1000).toFixed(2)} ERR ${d.details} ${d.url ?? ''} frag=${d.frag?.url ?? ''} part=${d.part?.url ?? ''} code=${d.response?.code ?? ''} ${d.response?.text ?? ''} err=${d.error?.message ?? ''} fatal=${d.fatal}`,
        );
      });
      hls.on(w.Hls.Events.FRAG_BUFFERED, (_e: unknown, d: any) => {
        if (d.part?.gap || d.frag?.gap) w.events.push(`${(performance.now() / 1000).toFixed(2)} gap ${d.frag.type} ${d.frag.sn}.${d.part?.index}`);
      });
      video.addEventListener('waiting', () => {
        const r = (tr: TimeRanges) => Array.from({ length: tr.length }, (_, i) => `${tr.start(i).toFixed(2)}-${tr.end(i).toFixed(2)}`).join(',');
        w.events.push(
          `${(performance.now() / 1000).toFixed(2)} waiting t=${video.currentTime.toFixed(2)} ${w.sbs.map((x: any) => `${x.mime.split(';')[0]}[${r(x.sb.buffered)}]`).join(' ')}`,
        );
      });
      setInterval(() => {
        for (const x of w.sbs) {
          const tr = x.sb.buffered as TimeRanges;
          for (let i = 1; i < tr.length; i++) {
            const key = `${x.mime.split(';')[0]} ${tr.end(i - 1).toFixed(2)}-${tr.start(i).toFixed(2)}`;
            if (!w.holes.includes(key)) w.holes.push(key);
          }
        }
      }, 200);
      hls.loadSource(src);
      hls.attachMedia(video);
      hls.on(w.Hls.Events.MANIFEST_PARSED, () => void video.play());
    },
    [`${s.base}/hls/alice/index.m3u8`, process.env.TRACE === '1'] as const,
  );
  pages.push(page);
}
await new Promise((r) => setTimeout(r, SECONDS * 1000));
for (const l of loads) l.kill();
polling = false;
await poll;
for (const [i, p] of pages.entries()) {
  const r = await p.evaluate(() => ({
    holes: (window as any).holes,
    events: (window as any).events.slice(-30),
    trace: (window as any).trace as string[],
    t: document.querySelector('video')!.currentTime,
  }));
  console.log(`viewer ${i}: t=${r.t.toFixed(1)} holes: ${r.holes.join('; ') || 'none'}`);
  for (const e of r.events) console.log(`   ${e}`);
  for (const e of ((p as any).bad as string[]).slice(-25)) console.log(`   net ${e}`);
  if (r.trace.length) writeFileSync(`/tmp/onair-ll-trace-${i}.log`, r.trace.join('\n') + '\n');
}
console.log(`playlist GAP/zero parts seen: ${gapLines.size}`);
for (const l of [...gapLines].slice(0, 30)) console.log(`   ${l}`);
await browser.close();
site.close();
pub.proc.kill('SIGKILL');
await s.stop();
process.exit(0);
