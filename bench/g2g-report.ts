// The glass-to-glass rows of the results table, its targets, and the min/median/max table over several runs.

import type { G2gPage, G2gPageId, G2gResult } from './g2g.js';
import { median } from './hls.js';

/** Targets for Onair's /embed page (hls.js defaults on nginx-rtmp as the reference). */
export const G2G_TARGETS = { medianMs: 1200, ratioToNginx: 0.6, p95Ms: 1500, stalls: 0 } as const;

type Row = (metric: string, onair: string, nginx: string, ratio: string, target: string, met: string) => void;

function page(r: G2gResult | undefined, id: G2gPageId): G2gPage | undefined {
  const p = r?.pages[id];
  return p && !('error' in p) ? p : undefined;
}
const f0 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(0));
const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2));
const div = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? undefined : a / b);
const yes = (v: boolean | undefined) => (v === undefined ? '—' : v ? 'yes' : '**no**');

/** Each target for the Onair /embed page, checked against nginx-rtmp + hls.js defaults of the same run. */
export function g2gTargetsMet(r: G2gResult): { median?: boolean; p95?: boolean; stalls?: boolean } {
  const e = page(r, 'onair-embed');
  const n = page(r, 'nginx-hlsjs');
  return {
    median: e && n ? e.medianMs <= G2G_TARGETS.medianMs && e.medianMs <= G2G_TARGETS.ratioToNginx * n.medianMs : undefined,
    p95: e ? e.p95Ms <= G2G_TARGETS.p95Ms : undefined,
    stalls: e ? e.stalls <= G2G_TARGETS.stalls : undefined,
  };
}

export function g2gRows(r: G2gResult | undefined, error: string | undefined, row: Row): void {
  const cell = (p: G2gPage | undefined, id: G2gPageId, v: string) =>
    p ? v : error || (r?.pages[id] && 'error' in r.pages[id]!) ? 'error' : 'not run';
  const e = page(r, 'onair-embed'),
    h = page(r, 'onair-hlsjs'),
    n = page(r, 'nginx-hlsjs');
  const met = r ? g2gTargetsMet(r) : {};
  const secs = e?.seconds ?? h?.seconds ?? n?.seconds;
  const joins = r?.joins ?? 1;
  const health = (p: G2gPage | undefined) => (p ? `${p.stalls} (${f0(p.stalledMs)} ms) · ${(100 * p.decodeRate).toFixed(1)}%` : '');
  row(
    `Glass-to-glass, Onair /embed page vs nginx-rtmp + hls.js defaults: median over ${secs ?? '?'} s of frames in ${joins} join${joins > 1 ? 's' : ''} (ms)`,
    cell(e, 'onair-embed', f0(e?.medianMs)),
    cell(n, 'nginx-hlsjs', f0(n?.medianMs)),
    f2(div(e?.medianMs, n?.medianMs)),
    `Onair ≤ ${G2G_TARGETS.medianMs} ms and ≤ ${G2G_TARGETS.ratioToNginx}× nginx`,
    yes(met.median),
  );
  row(
    '… p95 (ms)',
    cell(e, 'onair-embed', f0(e?.p95Ms)),
    cell(n, 'nginx-hlsjs', f0(n?.p95Ms)),
    f2(div(e?.p95Ms, n?.p95Ms)),
    `Onair ≤ ${G2G_TARGETS.p95Ms} ms`,
    yes(met.p95),
  );
  row(
    '… stalls (stalled ms) · frames decoded',
    cell(e, 'onair-embed', health(e)),
    cell(n, 'nginx-hlsjs', health(n)),
    '',
    'Onair: no stall',
    yes(met.stalls),
  );
  row(
    'Glass-to-glass, both with hls.js defaults: median (ms)',
    cell(h, 'onair-hlsjs', f0(h?.medianMs)),
    cell(n, 'nginx-hlsjs', f0(n?.medianMs)),
    f2(div(h?.medianMs, n?.medianMs)),
    'reported',
    '—',
  );
  row('… p95 (ms)', cell(h, 'onair-hlsjs', f0(h?.p95Ms)), cell(n, 'nginx-hlsjs', f0(n?.p95Ms)), f2(div(h?.p95Ms, n?.p95Ms)), 'reported', '—');
  row('… stalls (stalled ms) · frames decoded', cell(h, 'onair-hlsjs', health(h)), cell(n, 'nginx-hlsjs', health(n)), '', 'reported', '—');
  row(
    'Page open → first decoded frame (ms; Onair: /embed · hls.js)',
    e || h ? `${f0(e?.firstFrameMs)} · ${f0(h?.firstFrameMs)}` : cell(undefined, 'onair-embed', ''),
    cell(n, 'nginx-hlsjs', f0(n?.firstFrameMs)),
    '',
    'reported',
    '—',
  );
  const load = [e, h, n].filter((p): p is G2gPage => !!p);
  if (load.length) {
    row(
      'G2G windows: box busy % · publisher (painter + x264) CPU % of a core (Onair: /embed / hls.js)',
      load
        .filter((p) => p.server === 'onair')
        .map((p) => `${f0(p.boxBusyPct)} · ${f0(p.publisherCpuPct)}`)
        .join(' / ') || '—',
      n ? `${f0(n.boxBusyPct)} · ${f0(n.publisherCpuPct)}` : '—',
      '',
      'reported',
      '—',
    );
  }
}

const PAGES: Array<[G2gPageId, string]> = [
  ['onair-embed', 'Onair /embed page'],
  ['onair-hlsjs', 'Onair + hls.js defaults'],
  ['nginx-hlsjs', 'nginx-rtmp + hls.js defaults'],
];

/** Min / median / max of each page's figures over several runs, and how many runs met each target. */
export function renderG2gRuns(runs: Array<{ file: string; g2g: G2gResult }>): string {
  const out: string[] = [];
  const secs = runs.map((x) => page(x.g2g, 'onair-embed')?.seconds ?? page(x.g2g, 'nginx-hlsjs')?.seconds).find((s) => s !== undefined);
  const joins = runs[0]?.g2g.joins ?? 1;
  out.push(
    `Glass-to-glass latency, ${runs.length} runs (${runs.map((x) => `\`${x.file}\``).join(', ')}), ${secs ?? '?'} s per page in ${joins} join${joins > 1 ? 's' : ''}, ` +
      'min / **median** / max over the runs:',
  );
  out.push('');
  out.push('| Page | median latency (ms) | p95 latency (ms) | stalls | frames decoded (%) | page open → first frame (ms) |');
  out.push('|---|---|---|---|---|---|');
  const mmm = (xs: number[], digits = 0) => {
    if (xs.length === 0) return '—';
    const s = [...xs].sort((a, b) => a - b);
    return `${s[0].toFixed(digits)} / **${median(s).toFixed(digits)}** / ${s[s.length - 1].toFixed(digits)}`;
  };
  for (const [id, label] of PAGES) {
    const ps = runs.map((x) => page(x.g2g, id)).filter((p): p is G2gPage => !!p);
    if (ps.length === 0) continue;
    const errs = runs.length - ps.length;
    out.push(
      `| ${label}${errs ? ` (${errs} run${errs > 1 ? 's' : ''} failed)` : ''} | ${mmm(ps.map((p) => p.medianMs))} | ${mmm(ps.map((p) => p.p95Ms))} | ${mmm(ps.map((p) => p.stalls))} | ` +
        `${mmm(
          ps.map((p) => 100 * p.decodeRate),
          1,
        )} | ${mmm(ps.map((p) => p.firstFrameMs))} |`,
    );
  }
  const met = runs.map((x) => g2gTargetsMet(x.g2g));
  const count = (k: 'median' | 'p95' | 'stalls') => `${met.filter((m) => m[k]).length}/${runs.length}`;
  out.push('');
  out.push(
    `Targets for the Onair /embed page, met in: median ≤ ${G2G_TARGETS.medianMs} ms and ≤ ${G2G_TARGETS.ratioToNginx}× nginx-rtmp + hls.js ${count('median')} runs; ` +
      `p95 ≤ ${G2G_TARGETS.p95Ms} ms ${count('p95')}; no stall ${count('stalls')}.`,
  );
  return out.join('\n') + '\n';
}
