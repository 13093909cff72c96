// Finds the ffmpeg binary: an explicit path, then a bundled copy, then the ffmpeg-static package, then PATH.
// It reads no environment: each program's entry point reads FFMPEG_PATH and passes it as `explicit` (the server
// through its config, the Studio and the broadcast CLI at start).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface LocateOptions {
  /** A binary the operator chose (FFMPEG_PATH); empty or absent: search. */
  explicit?: string;
  /** Electron passes process.resourcesPath's copy when packaged. */
  bundled?: string;
}

export function locateFfmpeg(opts: LocateOptions = {}): string {
  if (opts.explicit) return opts.explicit;
  if (opts.bundled && existsSync(opts.bundled)) return opts.bundled;
  try {
    // ffmpeg-static is optional: it downloads its binary at install time, which fails offline.
    const fromPackage = createRequire(import.meta.url)('ffmpeg-static') as string | null;
    if (fromPackage && existsSync(fromPackage)) return fromPackage;
  } catch {
    /* not installed */
  }
  return 'ffmpeg';
}

/** ffprobe sits beside ffmpeg in every layout we ship; tests use it. */
export function locateFfprobe(ffmpeg = locateFfmpeg()): string {
  if (ffmpeg === 'ffmpeg') return 'ffprobe';
  const candidate = ffmpeg.replace(/ffmpeg(\.exe)?$/, (_m, exe) => `ffprobe${exe ?? ''}`);
  return existsSync(candidate) ? candidate : 'ffprobe';
}
