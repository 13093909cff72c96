// Reading ffmpeg: its -progress blocks into numbers, and its (masked) stderr into a failure code with a plain
// reason. Pure; table-tested.
import type { FailureCode } from './types.js';

export interface ProgressSample {
  frame: number;
  fps: number;
  /** ffmpeg's own average, kbit/s (NaN when N/A). */
  bitrateKbps: number;
  totalSize: number;
  outTimeUs: number;
  dupFrames: number;
  dropFrames: number;
  speed: number;
  end: boolean;
}

function num(v: string | undefined): number {
  if (v === undefined) return NaN;
  const n = parseFloat(v);
  return Number.isFinite(n) ? n : NaN;
}

/** Feeds stdout text; calls onSample for every complete block (a block ends with progress=continue|end). */
export class ProgressParser {
  private buf = '';
  private fields: Record<string, string> = {};
  constructor(private readonly onSample: (s: ProgressSample) => void) {}

  push(text: string): void {
    this.buf += text;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const k = line.slice(0, eq);
      const val = line.slice(eq + 1).trim();
      this.fields[k] = val;
      if (k === 'progress') {
        const f = this.fields;
        this.fields = {};
        this.onSample({
          frame: num(f.frame) || 0,
          fps: num(f.fps) || 0,
          bitrateKbps: num(f.bitrate),
          totalSize: num(f.total_size) || 0,
          outTimeUs: num(f.out_time_us ?? f.out_time_ms) || 0,
          dupFrames: num(f.dup_frames) || 0,
          dropFrames: num(f.drop_frames) || 0,
          speed: num(f.speed) || 0,
          end: val === 'end',
        });
      }
    }
    if (this.buf.length > 65536) this.buf = this.buf.slice(-4096);
  }
}

export type ExitKind = 'wrong_key' | 'already_live' | 'refused' | 'encoder' | 'source' | 'network' | 'rtmp_dropped' | 'ffmpeg_missing' | 'unknown';

export interface Diagnosis {
  kind: ExitKind;
  /** Plain words for the user. */
  reason: string;
  /** Worth trying again (with backoff). */
  retry: boolean;
  /** The code to fail with (now, or when retries run out). */
  code: FailureCode;
}

const SOURCE_PREFIX =
  /\[(x11grab|xcbgrab|gdigrab|ddagrab|dshow|avfoundation|video4linux2|v4l2|pulse|alsa|h264)[^\]]*\]|Cannot open display|Could not find (video|audio) device|Video device not found|Cannot open video device|pa_context_connect|adb:|device .* not found|no devices\/emulators/i;
const ENCODER_ERR =
  /Unknown encoder|Error while opening encoder|Error initializing output stream|Cannot load (libcuda|nvcuda|libnvidia-encode)|No NVENC capable devices|OpenEncodeSessionEx failed|Failed to (create|initialise) VAAPI|Error creating a MFX session|AMF failed|Encoder creation error|Could not open encoder|Generic error in an external library|Invalid (argument|param).*(encoder|codec)/i;
const NETWORK_ERR =
  /Connection refused|Connection timed out|timed out|Network is unreachable|No route to host|Name or service not known|Temporary failure in name resolution|nodename nor servname|Cannot open connection|Broken pipe|Connection reset|End of file|Input\/output error|Failed to (update header|write)|Error writing trailer|av_interleaved_write_frame/i;

function lastLine(tail: string): string {
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/Last message repeated/.test(l));
  return (lines.pop() ?? '').replace(/^\[[^\]]+\]\s*/, '');
}

function serverMessage(tail: string): string | undefined {
  const m = /Server error:\s*(.+)/.exec(tail);
  return m ? m[1].trim() : undefined;
}

/**
 * Why ffmpeg ended, from its masked stderr tail. `host` is the server's host:port for messages; `wasLive` says
 * whether this run had been sending.
 */
export function diagnoseExit(tail: string, opts: { host: string; wasLive: boolean; spawnError?: string }): Diagnosis {
  if (opts.spawnError && /ENOENT|not found|EACCES/i.test(opts.spawnError)) {
    return {
      kind: 'ffmpeg_missing',
      retry: false,
      code: 'ffmpeg_missing',
      reason: 'ffmpeg was not found. Install ffmpeg (or set FFMPEG_PATH to it) and try again.',
    };
  }
  const server = serverMessage(tail);
  if (server) {
    if (/stream key|BadName|bad_name/i.test(server)) {
      return { kind: 'wrong_key', retry: false, code: 'wrong_key', reason: `The server did not accept the stream key: ${server}` };
    }
    if (/already live/i.test(server)) {
      // After a network drop the server may still hold our old connection for a moment: worth retrying.
      return { kind: 'already_live', retry: true, code: 'refused', reason: `The server refused the stream: ${server}` };
    }
    return { kind: 'refused', retry: false, code: 'refused', reason: `The server refused the stream: ${server}` };
  }
  if (/Slave muxer #0 failed/i.test(tail)) {
    return { kind: 'rtmp_dropped', retry: true, code: 'unreachable', reason: `The connection to ${opts.host} dropped.` };
  }
  if (ENCODER_ERR.test(tail)) {
    return {
      kind: 'encoder',
      retry: false,
      code: 'encoder_failed',
      reason: `The video encoder could not start: ${lastLine(tail)}. Pick another encoder (x264 always works).`,
    };
  }
  const sourceLine = tail
    .split('\n')
    .find((l) => SOURCE_PREFIX.test(l) && /error|fail|cannot|could not|not found|no such|denied|busy|invalid|refused/i.test(l));
  if (sourceLine && !opts.wasLive) {
    return {
      kind: 'source',
      retry: false,
      code: 'source_failed',
      reason: `The picture or sound source could not be opened: ${sourceLine.replace(/^\[[^\]]+\]\s*/, '').trim()}`,
    };
  }
  if (NETWORK_ERR.test(tail)) {
    if (/Connection refused/i.test(tail))
      return { kind: 'network', retry: true, code: 'unreachable', reason: `Cannot reach the server at ${opts.host}: connection refused.` };
    if (/timed out/i.test(tail))
      return { kind: 'network', retry: true, code: 'unreachable', reason: `Cannot reach the server at ${opts.host}: no answer (timed out).` };
    if (/Name or service not known|Temporary failure in name resolution|nodename nor servname/i.test(tail)) {
      return { kind: 'network', retry: true, code: 'unreachable', reason: `Cannot find the server ${opts.host} (name lookup failed).` };
    }
    return {
      kind: 'network',
      retry: true,
      code: 'unreachable',
      reason: opts.wasLive ? `The connection to ${opts.host} dropped.` : `Cannot reach the server at ${opts.host}.`,
    };
  }
  if (sourceLine) {
    return {
      kind: 'source',
      retry: false,
      code: 'source_failed',
      reason: `The picture or sound source stopped: ${sourceLine.replace(/^\[[^\]]+\]\s*/, '').trim()}`,
    };
  }
  const last = lastLine(tail);
  return {
    kind: 'unknown',
    retry: true,
    code: 'unreachable',
    reason: last ? `ffmpeg stopped: ${last}` : `ffmpeg stopped unexpectedly while streaming to ${opts.host}.`,
  };
}

/** host[:port] of an rtmp URL, for messages (never the key: the key is not in the server URL). */
export function serverHost(server: string): string {
  const m = /^rtmps?:\/\/([^/]+)/i.exec(server);
  return m ? m[1] : server;
}
