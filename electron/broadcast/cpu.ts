// CPU time of a child process (ffmpeg), as % of one core between two samples. Linux reads /proc/<pid>/stat
// (no process spawned); macOS asks `ps` for the cumulative CPU time; Windows asks PowerShell, less often.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Cumulative CPU seconds of a process, or undefined when it cannot be read. */
export type CpuReader = (pid: number) => Promise<number | undefined>;

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on every mainstream Linux build

export async function linuxCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return Number.isFinite(utime + stime) ? (utime + stime) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

function execText(bin: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 3000, windowsHide: true }, (err, stdout) => resolve(err ? undefined : String(stdout)));
  });
}

/** `ps -o time=` prints [[dd-]hh:]mm:ss(.cc). */
export function parsePsTime(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const [daysPart, clock] = t.includes('-') ? t.split('-') : ['0', t];
  const parts = clock.split(':').map(Number);
  if (parts.some((p) => !Number.isFinite(p))) return undefined;
  let s = 0;
  for (const p of parts) s = s * 60 + p;
  return s + Number(daysPart) * 86400;
}

export async function psCpuSeconds(pid: number): Promise<number | undefined> {
  const out = await execText('ps', ['-o', 'time=', '-p', String(pid)]);
  return out === undefined ? undefined : parsePsTime(out);
}

export async function windowsCpuSeconds(pid: number): Promise<number | undefined> {
  const out = await execText('powershell.exe', [
    '-NoProfile',
    '-NonInteractive',
    '-Command',
    `(Get-Process -Id ${pid}).TotalProcessorTime.TotalSeconds`,
  ]);
  const n = out === undefined ? NaN : parseFloat(out.trim().replace(',', '.'));
  return Number.isFinite(n) ? n : undefined;
}

export function cpuReaderFor(platform: NodeJS.Platform): { read: CpuReader; everyMs: number } {
  if (platform === 'linux') return { read: linuxCpuSeconds, everyMs: 1000 };
  if (platform === 'win32') return { read: windowsCpuSeconds, everyMs: 5000 };
  return { read: psCpuSeconds, everyMs: 2000 };
}

/** Turns cumulative CPU seconds into a percentage of one core over the last interval. */
export class CpuMeter {
  private last?: { cpu: number; at: number };
  private lastRead = 0;
  private reading = false;
  percent = 0;
  constructor(
    private readonly pid: number,
    private readonly reader = cpuReaderFor(process.platform),
  ) {}

  /** Call about once a second; samples at the reader's pace and keeps the last value between samples. */
  async tick(now = Date.now()): Promise<number> {
    if (this.reading || now - this.lastRead < this.reader.everyMs - 50) return this.percent;
    this.reading = true;
    this.lastRead = now;
    try {
      const cpu = await this.reader.read(this.pid);
      if (cpu !== undefined) {
        if (this.last && now > this.last.at) this.percent = Math.max(0, ((cpu - this.last.cpu) / ((now - this.last.at) / 1000)) * 100);
        this.last = { cpu, at: now };
      }
    } finally {
      this.reading = false;
    }
    return this.percent;
  }
}
