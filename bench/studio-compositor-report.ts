// The figures of bench/studio-compositor.ts over its runs: each with its target, min / median / max, and met or not
// by the worst run; and the results file's Markdown.
import { judge, spread, type Spread } from './studio-compositor-lib.js';

export interface Row {
  figure: string;
  target: string;
  spread: Spread | null;
  met: boolean | null;
  unit: string;
}

export function summarize(runs: any[], fps: number): Row[] {
  const good = runs.filter(Boolean);
  const pick = (f: (r: any) => number | null | undefined) =>
    spread(
      good.map((r) => {
        try {
          return f(r);
        } catch {
          return null;
        }
      }),
    );
  const row = (figure: string, unit: string, target: string, s: Spread | null, bound?: { max?: number; min?: number }): Row => ({
    figure,
    unit,
    target,
    spread: s,
    met: bound ? judge(s, bound) : null,
  });
  const dropped = (h: any) => (h?.fps ? Math.max(0, 100 * (1 - h.fps / fps)) : null);
  const ratio = (r: any) => (r.single?.cpuCores && r.ffmpeg?.cpuCores ? r.single.cpuCores / r.ffmpeg.cpuCores : null);
  return [
    row(
      `A. 720p${fps}: frames dropped (server received vs ${fps}/s)`,
      '%',
      '≤ 1 %',
      pick((r) => dropped(r.single.hls.main)),
      { max: 1 },
    ),
    row(
      'A. … frames the server received per second',
      'fps',
      'reported',
      pick((r) => r.single.hls.main.fps),
    ),
    row(
      'A. … compositor frames drawn per second',
      'fps',
      'reported',
      pick((r) => r.single.compose.fps),
    ),
    row(
      'A. … frames the encoder dropped (queue full)',
      'frames',
      'reported',
      pick((r) => r.single.encode?.dropped),
    ),
    row(
      'A. compose p50',
      'ms',
      'reported',
      pick((r) => r.single.compose.p50Ms),
    ),
    row(
      'A. compose p95',
      'ms',
      '≤ 33 ms',
      pick((r) => r.single.compose.p95Ms),
      { max: 33 },
    ),
    row(
      'A. … worst 5 s window of compose p95',
      'ms',
      'reported',
      pick((r) => r.single.compose.p95MaxMs),
    ),
    row(
      'A. encode p50',
      'ms',
      'reported',
      pick((r) => r.single.encode?.p50Ms),
    ),
    row(
      'A. encode p95',
      'ms',
      '≤ 50 ms',
      pick((r) => r.single.encode?.p95Ms),
      { max: 50 },
    ),
    row(
      'A. … worst window of encode p95',
      'ms',
      'reported',
      pick((r) => r.single.encode?.p95MaxMs),
    ),
    row(
      'A. CPU of the whole Studio (Node core + Chromium tree)',
      'cores',
      '≤ 1 core',
      pick((r) => r.single.cpuCores),
      { max: 1 },
    ),
    row(
      'A. … box busy (all of it, of 2 cores)',
      '%',
      'reported',
      pick((r) => r.single.boxBusyPct),
    ),
    row(
      'B. 720p + 720x1280: main output fps at the server',
      'fps',
      '≥ 25',
      pick((r) => r.dual.hls.main.fps),
      { min: 25 },
    ),
    row(
      'B. … vertical output fps at the server',
      'fps',
      '≥ 25',
      pick((r) => r.dual.hls.vertical.fps),
      { min: 25 },
    ),
    row(
      'B. … compositor frames drawn per second',
      'fps',
      'reported',
      pick((r) => r.dual.compose.fps),
    ),
    row(
      'B. … encode p95 main / vertical (the larger)',
      'ms',
      'reported',
      pick((r) => Math.max(r.dual.encode?.p95Ms ?? NaN, r.dual.encodeVertical?.p95Ms ?? NaN)),
    ),
    row(
      'B. … CPU of the whole Studio',
      'cores',
      'reported',
      pick((r) => r.dual.cpuCores),
    ),
    row(
      `C. ffmpeg pipeline (Node + ffmpeg/x264), same 720p${fps} 3500 kb/s`,
      'cores',
      'reported',
      pick((r) => r.ffmpeg.cpuCores),
    ),
    row(
      'C. … frames the server received per second',
      'fps',
      'reported',
      pick((r) => r.ffmpeg.hls.fps),
    ),
    row('A / C: compositor CPU / ffmpeg pipeline CPU', '×', '≤ 1.5', pick(ratio), { max: 1.5 }),
    row(
      'Glass-to-glass, flash in a layer → /embed page, median',
      'ms',
      'reported',
      pick((r) => (r.g2g?.error ? null : r.g2g?.medianMs)),
    ),
    row(
      '… p95',
      'ms',
      'reported',
      pick((r) => (r.g2g?.error ? null : r.g2g?.p95Ms)),
    ),
    row(
      '… flashes seen / switched',
      'n',
      'reported',
      pick((r) => (r.g2g?.error ? null : r.g2g?.seen)),
    ),
  ];
}

const num = (x: number, unit: string) => (unit === 'cores' || unit === '×' ? x.toFixed(2) : unit === 'fps' ? x.toFixed(2) : x.toFixed(1));

export function reportMd(result: any): string {
  const rows = (result.summary as Row[])
    .map((r) => {
      const s = r.spread;
      const v = s ? `${num(s.min, r.unit)} / **${num(s.median, r.unit)}** / ${num(s.max, r.unit)}` : '—';
      const met = r.met === null ? (r.target === 'reported' ? '—' : 'not measured') : r.met ? 'yes' : '**no**';
      return `| ${r.figure} | ${r.unit} | ${v} | ${r.target} | ${met} |`;
    })
    .join('\n');
  const perRun = (result.runs as any[])
    .map((r, i) =>
      r.error && !r.single
        ? `| ${i + 1} | failed: ${r.error.split('\n')[0]} | | | | | | | | | |`
        : `| ${i + 1}${r.error ? ` (failed later: ${r.error.split('\n')[0]})` : ''} | ${r.quietBefore?.busyPct ?? '—'} | ${r.single?.hls?.main?.fps ?? '—'} | ${r.single?.compose?.p95Ms ?? '—'} | ${r.single?.encode?.p95Ms ?? '—'} | ${r.single?.cpuCores ?? '—'} | ${r.single?.boxBusyPct ?? '—'} · ${r.single?.loadAvg ?? '—'} | ${r.dual?.hls?.main?.fps ?? '—'} / ${r.dual?.hls?.vertical?.fps ?? '—'} | ${r.dual?.cpuCores ?? '—'} | ${r.ffmpeg?.cpuCores ?? '—'} | ${r.g2g?.error ? r.g2g.error.split('\n')[0] : `${r.g2g?.medianMs ?? '—'} (${r.g2g?.seen ?? '—'}/${r.g2g?.flashes ?? '—'})`} |`,
    )
    .join('\n');
  const s = result.settings;
  return `# Studio compositor benchmark (${result.date.slice(0, 16).replace('T', ' ')} UTC)

Host: ${result.machine.cpus} × ${result.machine.model}, Node ${result.machine.node}. Headless Debian Chromium, software
H.264 (WebCodecs), ${s.runs} runs of ${s.seconds} s windows after ${s.warmup} s live; 720p${s.fps} at ${s.bitrateKbps} kb/s,
vertical 720x1280 at ${s.verticalKbps} kb/s, keyframes every ${s.keyframeSeconds} s. Judged by the worst run.
Command: \`npx tsx bench/studio-compositor.ts --runs ${s.runs} --seconds ${s.seconds} --quiet-wait ${s.quietWaitS}${s.preview === 'off' ? ' --preview off' : ''}${s.record && s.record !== 'off' ? ` --record ${s.record}` : ''}${s.fps !== 30 ? ` --fps ${s.fps}` : ''}\` (each run first waited up to ${s.quietWaitS} s for the box to be under ${s.quietBusyPct} % busy). Method: bench/README.md, "Studio compositor".

| figure | unit | min / **median** / max | target | met |
|---|---|---|---|---|
${rows}

| run | box busy before % | A fps at server | A compose p95 ms | A encode p95 ms | A CPU cores | A box busy % · load | B fps main / vertical | B CPU cores | C ffmpeg CPU cores | g2g median ms (seen/switched) |
|---|---|---|---|---|---|---|---|---|---|---|
${perRun}
${
  s.record === 'on' || s.record === 'alone'
    ? `\nRecorded (${s.record === 'on' ? `the Studio's "Also record to": one file per Go Live, A with its glass-to-glass, then B with its vertical output's file beside it` : 'a recording started alone through StartRecord before each Go Live, the stream joining its encoders, stopped after the stream'}): ${(result.runs as any[]).map((r, i) => `run ${i + 1} ${r.recorded ? `${r.recorded.files} files, ${r.recorded.mb} MB` : 'none'}`).join('; ')}.\n`
    : ''
}`;
}
