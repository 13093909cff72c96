// Finds the ffmpeg binary: an explicit path, then FFMPEG_PATH, then the ffmpeg-static package, then PATH.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface LocateOptions {
  explicit?: string;
  env?: Record<string, string | undefined>;
  /** Electron passes process.resourcesPath's copy when packaged. */
  bundled?: string;
}

export function locateFfmpeg(opts: LocateOptions = {}): string {
  const env = opts.env ?? process.env;
  if (opts.explicit) return opts.explicit;
  if (env.FFMPEG_PATH) return env.FFMPEG_PATH;
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
