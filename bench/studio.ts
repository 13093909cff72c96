// Onair Studio pipeline benchmark:
//  1. Go Live -> first HLS segment: Broadcast.start() to the moment the live playlist lists a segment and that
//     segment (and its init) answer 200. 1 s keyframes, 720p30 test pattern, median of 5 (a new channel each run).
//  2. The pipeline's own CPU while live, apart from the encoder: process.cpuUsage() of the Node process hosting
//     Broadcast (ffmpeg is a child, not counted) over 20 s while live, as % of one core.
//
//   npx tsx bench/studio.ts [--runs 5] [--cpu-seconds 20] [--preset "Smooth 720p30"] [--record-while-live]
//
// The Onair server runs in this process (server/test-support/server.ts: SQLite, ephemeral ports, 127.0.0.1); each
// Broadcast runs in a child Node process (this file with --child) so its CPU is measured alone. The child talks
// JSON lines on stdout; it is started through bench/spawn.ts (its own process group, killed when the bench exits).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMaster } from './hls.js';
import { sleep, spawnGroup } from './spawn.js';
import { arg } from './cli-args.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

// ------------------------------------------------------------------------------------------ child: one broadcast
async function child(): Promise<void> {
  const { Broadcast } = await import('../electron/broadcast/broadcast.js');
  const { presetVideo } = await import('../electron/broadcast/args.js');
  const server = arg('server', '');
  const key = process.env.ONAIR_STREAM_KEY ?? '';
  const seconds = Number(arg('seconds', '6'));
  const cpuSeconds = Number(arg('cpu-seconds', '0'));
  const preset = arg('preset', 'Smooth 720p30') as Parameters<typeof presetVideo>[0];
  const b = new Broadcast({
    server,
    streamKey: key,
    source: { kind: 'test' },
    video: { ...presetVideo(preset), fps: Number(arg('fps', String(presetVideo(preset).fps))), keyframeSeconds: 1 },
    audio: { bitrateKbps: 128 },
    durationSeconds: seconds,
    // As the Studio runs it: the program on a pipe as well, read by Node, for a recording that may start while live.
    recordWhileLive: process.argv.includes('--record-while-live'),
  });
  const ffmpegCpu: number[] = [];
  b.on('state', (s) => {
    out({ type: 'state', kind: s.kind, at: Date.now(), ...(s.kind === 'failed' ? { reason: s.reason } : {}) });
    if (s.kind === 'live' && cpuSeconds > 0) {
      // Let the first seconds (x264 start-up, module loading) pass, then measure.
      setTimeout(() => {
        const u0 = process.cpuUsage();
        const t0 = performance.now();
        ffmpegCpu.length = 0;
        setTimeout(() => {
          const u = process.cpuUsage(u0);
          const wallMs = performance.now() - t0;
          out({
            type: 'cpu',
            userMs: u.user / 1000,
            systemMs: u.system / 1000,
            wallMs,
            ffmpegCpuPercent: ffmpegCpu.reduce((a, x) => a + x, 0) / Math.max(1, ffmpegCpu.length),
          });
        }, cpuSeconds * 1000);
      }, 2000);
    }
  });
  b.on('health', (h) => ffmpegCpu.push(h.cpuPercent));
  out({ type: 'started', at: Date.now() });
  b.start();
  const end = await b.finished;
  out({ type: 'end', kind: end.kind });
  process.exit(end.kind === 'ended' ? 0 : 1);
}

// ------------------------------------------------------------------------------------------ parent
interface ChildRun {
  lines: any[];
  exit: Promise<number | null>;
  onLine(fn: (o: any) => void): void;
}

/** The broadcast as the Studio starts it (recordWhileLive: the tee muxer and the program pipe), not as the CLI does. */
const RECORD_WHILE_LIVE = process.argv.includes('--record-while-live');

function startChild(server: string, key: string, seconds: number, cpuSeconds: number, preset: string): ChildRun {
  const lines: any[] = [];
  const listeners: Array<(o: any) => void> = [];
  const p = spawnGroup(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      '--server',
      server,
      '--seconds',
      String(seconds),
      '--cpu-seconds',
      String(cpuSeconds),
      '--preset',
      preset,
      ...(RECORD_WHILE_LIVE ? ['--record-while-live'] : []),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ONAIR_STREAM_KEY: key },
      onStdoutLine: (l) => {
        try {
          const o = JSON.parse(l);
          lines.push(o);
          for (const fn of listeners) fn(o);
        } catch {
          /* not ours */
        }
      },
    },
  );
  const exit = p.exited.then(({ code }) => {
    if (code !== 0) process.stderr.write(`studio bench: the broadcast child exited with ${code}:\n${p.tail()}\n`);
    return code;
  });
  return { lines, exit, onLine: (fn) => listeners.push(fn) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function parent(): Promise<void> {
  const { startTestServer, newStreamer } = await import('../server/test-support/server.js');
  const runs = Number(arg('runs', '5'));
  const cpuSeconds = Number(arg('cpu-seconds', '20'));
  const preset = arg('preset', 'Smooth 720p30');
  const s = await startTestServer({ ONAIR_LOG_LEVEL: 'warn' });
  const result: any = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, platform: process.platform },
    preset,
    recordWhileLive: RECORD_WHILE_LIVE,
    keyframeSeconds: 1,
    segmentSeconds: s.config.media?.segmentSeconds ?? 1,
    startup: { runs: [] as any[] },
    cpu: {} as any,
  };
  try {
    // 1. Go Live -> first segment.
    for (let i = 0; i < runs; i++) {
      const name = `studio${i + 1}`;
      const { channel } = await newStreamer(s.base, name);
      const c = startChild(s.rtmpBase, channel.streamKey, 6, 0, preset);
      let started = 0;
      let live = 0;
      c.onLine((o) => {
        if (o.type === 'started') started = o.at;
        if (o.type === 'state' && o.kind === 'live') live = o.at;
      });
      const url = `${s.base}/hls/${name}/index.m3u8`;
      let segAt = 0;
      const until = Date.now() + 20_000;
      while (!segAt && Date.now() < until) {
        try {
          const r = await fetch(url);
          if (r.status === 200) {
            let text = await r.text();
            // The channel's master names the video playlist; the audio's is written at the same instant.
            const variant = parseMaster(text)?.variants[0];
            const mediaUrl = variant ? new URL(variant, url) : new URL(url);
            if (variant) text = await (await fetch(mediaUrl)).text();
            const seg = text.split('\n').find((l) => l.endsWith('.m4s'));
            const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
            if (seg) {
              const [a, b] = await Promise.all([
                fetch(new URL(seg, mediaUrl)),
                init ? fetch(new URL(init, mediaUrl)) : Promise.resolve({ status: 200, arrayBuffer: async () => 0 }),
              ]);
              await Promise.all([(a as Response).arrayBuffer(), (b as Response).arrayBuffer()]);
              if (a.status === 200 && b.status === 200) segAt = Date.now();
            }
          }
        } catch {
          /* not yet */
        }
        if (!segAt) await sleep(20);
      }
      const code = await c.exit;
      const run = {
        channel: name,
        startToLiveMs: live && started ? live - started : null,
        startToFirstSegmentMs: segAt && started ? segAt - started : null,
        exit: code,
      };
      result.startup.runs.push(run);
      console.error(`startup run ${i + 1}: live after ${run.startToLiveMs} ms, first segment after ${run.startToFirstSegmentMs} ms`);
    }
    const firsts = result.startup.runs.map((r: any) => r.startToFirstSegmentMs).filter((x: any) => x !== null);
    result.startup.medianMs = firsts.length ? median(firsts) : null;
    result.startup.minMs = firsts.length ? Math.min(...firsts) : null;
    result.startup.maxMs = firsts.length ? Math.max(...firsts) : null;
    result.startup.medianLiveMs = median(result.startup.runs.map((r: any) => r.startToLiveMs ?? NaN));
    result.startup.targetMs = 3000;
    result.startup.pass = result.startup.medianMs !== null && result.startup.medianMs <= 3000;

    // 2. Node CPU while live.
    const { channel } = await newStreamer(s.base, 'studiocpu');
    const c = startChild(s.rtmpBase, channel.streamKey, cpuSeconds + 6, cpuSeconds, preset);
    await c.exit;
    const cpu = c.lines.find((o) => o.type === 'cpu');
    if (cpu) {
      const percent = ((cpu.userMs + cpu.systemMs) / cpu.wallMs) * 100;
      result.cpu = {
        seconds: cpuSeconds,
        userMs: cpu.userMs,
        systemMs: cpu.systemMs,
        wallMs: cpu.wallMs,
        percentOfOneCore: Math.round(percent * 100) / 100,
        ffmpegCpuPercent: Math.round(cpu.ffmpegCpuPercent),
        targetPercent: 5,
        pass: percent < 5,
      };
      console.error(`pipeline Node CPU while live: ${percent.toFixed(2)} % of one core (ffmpeg itself ~${Math.round(cpu.ffmpegCpuPercent)} %)`);
    } else {
      result.cpu = { error: 'no cpu sample (broadcast did not go live?)', lines: c.lines };
    }
  } finally {
    await s.stop();
  }

  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = result.date.replace(/[:T]/g, '-').slice(0, 17).replace(/-$/, '');
  writeFileSync(path.join(dir, `studio-${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(path.join(dir, 'studio-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const md = report(result);
  writeFileSync(path.join(dir, 'studio-latest.md'), md);
  process.stdout.write(md);
  if (process.argv.includes('--update-readme')) {
    const readme = path.join(ROOT, 'bench/README.md');
    const text = readFileSync(readme, 'utf8');
    const marker = '\n## Studio';
    const section = `\n## Studio\n\n${STUDIO_METHOD}\n${md.replace(/^# .*\n/, '')}`;
    writeFileSync(readme, text.includes(marker) ? text.slice(0, text.indexOf(marker)) + section : text.replace(/\n*$/, '\n') + section);
  }
}

const STUDIO_METHOD = `\`npx tsx bench/studio.ts [--runs 5] [--cpu-seconds 20] [--update-readme]\` measures the Studio's broadcast
pipeline (\`electron/broadcast/\`) into a real Onair server on 127.0.0.1 (SQLite, 1 s segments), with the 720p30
preset at 1 s keyframes, x264, and the test-pattern source (lavfi testsrc2 + sine, paced at real time). Results:
\`bench/results/studio-latest.{md,json}\` (and a dated JSON).

- **Go Live → first HLS segment**: from \`Broadcast.start()\` (in a child Node process, clock shared) to the moment the
  live playlist lists a segment and both that segment and its \`EXT-X-MAP\` init answer 200 (playlist polled every
  20 ms). A new channel per run; median of 5. Includes ffmpeg start-up, x264 init, the RTMP handshake and publish,
  and the first 1 s segment being closed by the next keyframe. Target ≤ 3 s.
- **Pipeline CPU while live**: \`process.cpuUsage()\` of the Node process hosting \`Broadcast\` (ffmpeg is a child
  process and not counted; its own CPU, from \`/proc/<pid>/stat\`, is shown for context) over 20 s, starting 2 s
  after the state turns live. It covers -progress parsing, stderr masking, health events and the /proc reads.
  Target < 5 % of one core.
`;

function report(r: any): string {
  const rows = r.startup.runs.map((x: any, i: number) => `| ${i + 1} | ${x.startToLiveMs ?? '—'} | ${x.startToFirstSegmentMs ?? '—'} |`).join('\n');
  return `# Onair Studio pipeline benchmark

${r.date} · ${r.machine.cpus} × ${r.machine.model} · Node ${r.machine.node} · preset ${r.preset}, keyframes every ${r.keyframeSeconds} s${r.recordWhileLive ? ' · as the Studio runs it (`--record-while-live`: program pipe read)' : ''}

| measure | result | target |
|---|---|---|
| Go Live → first HLS segment (median of ${r.startup.runs.length}) | **${r.startup.medianMs} ms** (min ${r.startup.minMs}, max ${r.startup.maxMs}) | ≤ 3000 ms ${r.startup.pass ? '✔' : '✘'} |
| Go Live → state \`live\` (median) | ${r.startup.medianLiveMs} ms | reported |
| pipeline Node CPU while live (${r.cpu.seconds ?? '—'} s) | **${r.cpu.percentOfOneCore ?? '—'} % of one core** | < 5 % ${r.cpu.pass ? '✔' : '✘'} |
| ffmpeg (encoder) CPU while live, for context | ${r.cpu.ffmpegCpuPercent ?? '—'} % of one core | reported |

| run | start → live (ms) | start → first segment (ms) |
|---|---|---|
${rows}
`;
}

if (process.argv.includes('--child')) void child();
else
  parent().catch((e) => {
    console.error(e);
    process.exit(1);
  });
