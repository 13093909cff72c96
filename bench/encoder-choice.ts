// Issue 17's question for Linux, where Chromium's WebCodecs offers only OpenH264 (software): is x264 through ffmpeg,
// fed with the composed frames, worth its cost? The same raw 1280x720@30 frames go through both, at the Studio's
// settings (3500 kb/s constant bitrate, a keyframe a second, High profile):
//   - OpenH264: headless Chromium's VideoEncoder (realtime latency mode, as the Studio configures it), the frames
//     streamed into the page from a local HTTP server; its CPU is the Chromium process tree's, less a pass that
//     builds the same VideoFrames without encoding them;
//   - x264: ffmpeg -c:v libx264 -preset veryfast -tune zerolatency with nal-hrd=cbr (the broadcaster's profile,
//     electron/broadcast/encoders.ts), fed RGBA, a canvas frame's own format, so its conversion to 4:2:0 counts; its
//     CPU from ffmpeg's own -benchmark;
//   - what feeding x264 would add in the Studio: reading each composed 720p frame back (VideoFrame.copyTo, RGBA),
//     measured in the page on a canvas like the compositor's; the copy across to ffmpeg is not counted.
// Quality: SSIM and PSNR of each encode against the raw frames (ffmpeg's ssim and psnr filters), and the bitrate
// each reached. Two sources from ffmpeg's generators: testsrc2 (motion graphics and text) and mandelbrot (a zoom full
// of fine detail). CPU as cores at 30 fps (CPU seconds per second of video).
//
//   npx tsx bench/encoder-choice.ts [--runs 3] [--seconds 10] [--out NAME]
//
// Writes bench/results/<NAME>.{json,md} (default encoder-choice-YYYY-MM-DD).
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../server/test-support/browser.js';
import { bootTicksNow, childrenMap, readAllStats, sampleFromStats, tickDelta } from './proc.js';
import { arg } from './cli-args.js';
import { spreadText } from './studio-compositor-lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(arg('runs', '3'));
const SECONDS = Number(arg('seconds', '10'));
const OUT = arg('out', `encoder-choice-${new Date().toISOString().slice(0, 10)}`);
const W = 1280;
const H = 720;
const FPS = 30;
const KBPS = 3500;
const FRAME_BYTES = (W * H * 3) / 2;
const SOURCES = { testsrc2: `testsrc2=s=${W}x${H}:r=${FPS}`, mandelbrot: `mandelbrot=s=${W}x${H}:r=${FPS}` } as const;
type Source = keyof typeof SOURCES;
const log = (s: string) => process.stderr.write(`encoder-choice: ${s}\n`);

function run(cmd: string, args: string[], input?: NodeJS.ReadableStream): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (input) input.pipe(p.stdin!);
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** SSIM (All) and PSNR (average, dB) of an H.264 stream against the raw frames. */
async function quality(h264: string, raw: string): Promise<{ ssim: number; psnr: number }> {
  const r = await run('ffmpeg', [
    ...[
      '-hide_banner',
      '-framerate',
      String(FPS),
      '-i',
      h264,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      '-s',
      `${W}x${H}`,
      '-r',
      String(FPS),
      '-i',
      raw,
    ],
    ...['-lavfi', '[0:v]split[a][b];[1:v]split[c][d];[a][c]ssim;[b][d]psnr', '-f', 'null', '-'],
  ]);
  const ssim = Number(/SSIM .*All:([\d.]+)/.exec(r.stderr)?.[1]);
  const psnr = Number(/PSNR .*average:([\d.]+)/.exec(r.stderr)?.[1]);
  if (!Number.isFinite(ssim) || !Number.isFinite(psnr)) throw new Error(`no SSIM/PSNR: ${r.stderr.slice(-500)}`);
  return { ssim, psnr };
}

/**
 * x264 on the frames as the Studio would hand them over, RGBA (a canvas frame's own format), so ffmpeg's conversion
 * to 4:2:0 counts with the encode; a second ffmpeg turns the raw I420 into RGBA outside the measure.
 */
async function x264(raw: string, out: string): Promise<number> {
  const size = ['-s', `${W}x${H}`, '-r', String(FPS)];
  const rgba = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', ...size, '-i', raw, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const r = await run(
    'ffmpeg',
    [
      ...['-hide_banner', '-benchmark', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgba', ...size, '-i', '-', '-pix_fmt', 'yuv420p'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-x264-params', 'nal-hrd=cbr'],
      ...['-b:v', `${KBPS}k`, '-maxrate', `${KBPS}k`, '-bufsize', `${KBPS * 2}k`, '-g', String(FPS), '-f', 'h264', out],
    ],
    rgba.stdout,
  );
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(r.stderr);
  if (r.code !== 0 || !m) throw new Error(`x264 failed: ${r.stderr.slice(-500)}`);
  return Number(m[1]) + Number(m[2]);
}

/** The page: encodes (or only builds) VideoFrames from /raw, or reads composed frames back; posts results to /done. */
const PAGE = `<!doctype html><script>
async function frames(name, each) {
  // One frame's bytes gathered from the stream's chunks; VideoFrame copies them, so the buffer is reused.
  const reader = (await fetch('/raw/' + name)).body.getReader();
  const frame = new Uint8Array(${FRAME_BYTES});
  let fill = 0, n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    for (let off = 0; value && off < value.length; ) {
      const take = Math.min(${FRAME_BYTES} - fill, value.length - off);
      frame.set(value.subarray(off, off + take), fill);
      fill += take;
      off += take;
      if (fill === ${FRAME_BYTES}) {
        fill = 0;
        await each(new VideoFrame(frame, { format: 'I420', codedWidth: ${W}, codedHeight: ${H}, timestamp: n * 1e6 / ${FPS} }), n++);
      }
    }
    if (done) return n;
  }
}
window.encode = async (name) => {
  const chunks = [];
  const enc = new VideoEncoder({ output: (c) => { const b = new Uint8Array(c.byteLength); c.copyTo(b); chunks.push(b); }, error: (e) => { throw e; } });
  enc.configure({ codec: 'avc1.640028', width: ${W}, height: ${H}, framerate: ${FPS}, bitrate: ${KBPS * 1000}, bitrateMode: 'constant',
    latencyMode: 'realtime', hardwareAcceleration: 'prefer-software', avc: { format: 'annexb' } });
  const n = await frames(name, async (f, i) => {
    while (enc.encodeQueueSize > 2) await new Promise((r) => setTimeout(r, 1));
    enc.encode(f, { keyFrame: i % ${FPS} === 0 });
    f.close();
  });
  await enc.flush();
  await fetch('/done', { method: 'POST', body: new Blob(chunks) });
  return n;
};
window.buildOnly = (name) => frames(name, async (f) => f.close());
window.readback = async (seconds, copy) => {
  const canvas = new OffscreenCanvas(${W}, ${H});
  const g = canvas.getContext('2d');
  let out;
  for (let i = 0; i < seconds * ${FPS}; i++) {
    g.fillStyle = 'hsl(' + (i * 7 % 360) + ',60%,50%)';
    g.fillRect(0, 0, ${W}, ${H});
    g.fillStyle = '#fff';
    g.fillRect((i * 13) % ${W}, 200, 320, 180);
    const f = new VideoFrame(canvas, { timestamp: i * 1e6 / ${FPS} });
    // The frame's own pixel format (RGBA or BGRA): Chromium converts a canvas frame to no other.
    if (copy) await f.copyTo((out ??= new Uint8Array(f.allocationSize())));
    f.close();
    await new Promise((r) => setTimeout(r, 1000 / ${FPS}));
  }
};
</script>`;

interface RunResult {
  source: Source;
  openh264: { cores: number; kbps: number; ssim: number; psnr: number; encodePassCpuSeconds: number; buildPassCpuSeconds: number };
  x264: { cores: number; kbps: number; ssim: number; psnr: number };
  readbackCores: number;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-encoder-choice-'));
  let posted: Buffer | undefined;
  const server = http.createServer((req, res) => {
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    const raw = /^\/raw\/(\w+)$/.exec(req.url ?? '');
    if (raw) return createReadStream(path.join(dir, `${raw[1]}.yuv`)).pipe(res.writeHead(200));
    if (req.url === '/done') {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => ((posted = Buffer.concat(parts)), res.end()));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  // CPU of the Chromium tree (this process's children) while `fn` runs, in CPU seconds.
  const chromiumCpu = async (fn: () => Promise<unknown>) => {
    const roots = () => childrenMap(readAllStats()).get(process.pid) ?? [];
    const boot = bootTicksNow();
    const before = sampleFromStats(roots(), readAllStats());
    await fn();
    return tickDelta(before, sampleFromStats(roots(), readAllStats()), boot) / 1e9;
  };
  const results: RunResult[] = [];
  try {
    for (const [source, gen] of Object.entries(SOURCES) as Array<[Source, string]>) {
      const raw = path.join(dir, `${source}.yuv`);
      const made = await run('ffmpeg', [
        '-hide_banner',
        '-y',
        '-f',
        'lavfi',
        '-i',
        gen,
        '-t',
        String(SECONDS),
        '-pix_fmt',
        'yuv420p',
        '-f',
        'rawvideo',
        raw,
      ]);
      if (made.code !== 0) throw new Error(made.stderr.slice(-500));
      for (let i = 0; i < RUNS; i++) {
        const page = await browser.newPage();
        await page.goto(base);
        // The frames built without encoding, before and after the encode (the mean): what is not the encoder's.
        const buildBefore = await chromiumCpu(() => page.evaluate((n) => (window as any).buildOnly(n), source));
        posted = undefined;
        const enc = await chromiumCpu(() => page.evaluate((n) => (window as any).encode(n), source));
        const build = (buildBefore + (await chromiumCpu(() => page.evaluate((n) => (window as any).buildOnly(n), source)))) / 2;
        const h264o = path.join(dir, `${source}-openh264.h264`);
        writeFileSync(h264o, posted ?? Buffer.alloc(0));
        const plain = await chromiumCpu(() => page.evaluate(() => (window as any).readback(5, false)));
        const copied = await chromiumCpu(() => page.evaluate(() => (window as any).readback(5, true)));
        await page.close();
        const h264x = path.join(dir, `${source}-x264.h264`);
        const xCpu = await x264(raw, h264x);
        const kbps = (f: string) => Math.round((statSync(f).size * 8) / SECONDS / 1000);
        const r: RunResult = {
          source,
          openh264: {
            cores: (enc - build) / SECONDS,
            kbps: kbps(h264o),
            ...(await quality(h264o, raw)),
            encodePassCpuSeconds: enc,
            buildPassCpuSeconds: build,
          },
          x264: { cores: xCpu / SECONDS, kbps: kbps(h264x), ...(await quality(h264x, raw)) },
          readbackCores: (copied - plain) / 5,
        };
        log(JSON.stringify(r));
        results.push(r);
      }
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const json = { date: new Date().toISOString(), runs: RUNS, seconds: SECONDS, width: W, height: H, fps: FPS, kbps: KBPS, results };
  writeFileSync(path.join(ROOT, 'bench/results', `${OUT}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'bench/results', `${OUT}.md`), report(results));
  process.stdout.write(report(results));
}

function report(results: RunResult[]): string {
  const lines = [
    `# x264 against OpenH264 for the Studio on Linux (${W}x${H}@${FPS}, ${KBPS} kb/s CBR, 1 s keyframes)`,
    '',
    `\`npx tsx bench/encoder-choice.ts --runs ${RUNS} --seconds ${SECONDS}\`; min / median / max of the runs.`,
    '',
    '| Source | Encoder | CPU (cores) | kb/s | SSIM | PSNR (dB) |',
    '|---|---|---|---|---|---|',
  ];
  for (const source of Object.keys(SOURCES) as Source[]) {
    const rs = results.filter((r) => r.source === source);
    for (const e of ['openh264', 'x264'] as const) {
      const v = rs.map((r) => r[e]);
      lines.push(
        `| ${source} | ${e === 'x264' ? 'x264 veryfast zerolatency (ffmpeg)' : 'OpenH264 (Chromium WebCodecs)'} | ${spreadText(
          v.map((x) => x.cores),
          2,
        )} | ${spreadText(
          v.map((x) => x.kbps),
          0,
        )} | ${spreadText(
          v.map((x) => x.ssim),
          4,
        )} | ${spreadText(
          v.map((x) => x.psnr),
          2,
        )} |`,
      );
    }
  }
  lines.push(
    '',
    `Reading a composed 720p frame back in the page (RGBA: what feeding ffmpeg adds before any copy to it): ${spreadText(
      results.map((r) => r.readbackCores),
      3,
    )} cores at 30 fps.`,
    '',
  );
  return lines.join('\n');
}

await main();
