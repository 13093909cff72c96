// ffmpeg's device listings, parsed: `ffmpeg -sources pulse|alsa` (Linux), `-list_devices true -f dshow` (Windows)
// and `-f avfoundation -list_devices true` (macOS). Pure, table-tested with real outputs of each (device-lists.test.ts);
// sources.ts runs ffmpeg and turns the lists into the Studio's pickers.

/** One line of `ffmpeg -sources <device>`. */
export interface FfmpegSource {
  name: string;
  description: string;
  /** Marked `*`: the audio system's current default. */
  isDefault: boolean;
}

/**
 * `ffmpeg -sources pulse` / `-sources alsa` (printed on stdout):
 *   Auto-detected sources for pulse:
 *   * alsa_input.pci-0000_00_1f.3.analog-stereo [Built-in Audio Analog Stereo] (audio)
 * The media types in parentheses came with ffmpeg 5; ffmpeg 4 ends the line after the description.
 * A failure ("Cannot list sources: …") lists nothing.
 */
export function parseFfmpegSources(text: string): FfmpegSource[] {
  const out: FfmpegSource[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([* ]) ?(\S.*?) \[(.*)\](?: \([^()]*\))?\s*$/.exec(line);
    if (m) out.push({ name: m[2]!, description: m[3]!.trim(), isDefault: m[1] === '*' });
  }
  return out;
}

/** Strips ffmpeg's log prefix: `[dshow @ 000001c1b0b7e240] ` or `[AVFoundation indev @ 0x7fc5a1e04f40] `. */
function unprefixed(line: string): string {
  return line.replace(/^\[[^\]]*@[^\]]*\]\s?/, '');
}

/**
 * `ffmpeg -list_devices true -f dshow -i dummy` (stderr). ffmpeg 5 and later tag each device with its media types:
 *   [dshow @ 0000…] "Microphone Array (Realtek(R) Audio)" (audio)
 * ffmpeg 4 lists them under section headers ("DirectShow video devices …", "DirectShow audio devices").
 * "Alternative name" lines are skipped: the friendly name is what dshow opens and people recognise.
 */
export function parseDshowDevices(stderr: string): { video: string[]; audio: string[] } {
  const video: string[] = [];
  const audio: string[] = [];
  let section: 'video' | 'audio' | null = null;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = unprefixed(raw);
    if (/DirectShow video devices/i.test(line)) section = 'video';
    else if (/DirectShow audio devices/i.test(line)) section = 'audio';
    if (/^\s*Alternative name/i.test(line)) continue;
    const m = /^\s*"([^"]+)"(?:\s*\(([^)]*)\))?\s*$/.exec(line);
    if (!m) continue;
    const types = m[2] !== undefined ? m[2].split(',').map((t) => t.trim()) : section ? [section] : [];
    if (types.includes('video') && !video.includes(m[1]!)) video.push(m[1]!);
    if (types.includes('audio') && !audio.includes(m[1]!)) audio.push(m[1]!);
  }
  return { video, audio };
}

/**
 * `ffmpeg -f avfoundation -list_devices true -i ""` (stderr):
 *   [AVFoundation indev @ 0x…] AVFoundation video devices:
 *   [AVFoundation indev @ 0x…] [0] FaceTime HD Camera
 *   [AVFoundation indev @ 0x…] AVFoundation audio devices:
 *   [AVFoundation indev @ 0x…] [0] MacBook Pro Microphone
 * Screens ("Capture screen N") are listed among the video devices; they are not cameras.
 */
export function parseAvfoundationDevices(stderr: string): { video: string[]; audio: string[]; screens: string[] } {
  const video: string[] = [];
  const audio: string[] = [];
  const screens: string[] = [];
  let section: 'video' | 'audio' | null = null;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = unprefixed(raw);
    if (/AVFoundation video devices/i.test(line)) section = 'video';
    else if (/AVFoundation audio devices/i.test(line)) section = 'audio';
    const m = /^\s*\[(\d+)\]\s+(.+?)\s*$/.exec(line);
    if (!m || !section) continue;
    const name = m[2]!;
    if (section === 'audio') audio.push(name);
    else if (/^Capture screen \d+/.test(name)) screens.push(name);
    else video.push(name);
  }
  return { video, audio, screens };
}
