// The engine mode's local recording with real media: H.264 and AAC encoded by ffmpeg, fed as the window's chunks
// (session clock, configs first), written by a real ffmpeg into Matroska and read back by ffprobe. It starts at a
// keyframe, keeps every frame from there at its time, never writes over a file already there, and says in words why
// it cannot record.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readFlvFile } from '../../server/media/flv-file.js';
import type { MediaFrame } from '../../server/media/frame.js';
import { makeTestFlvs } from '../../server/test-support/media.js';
import { ffmpegPath, ffprobePath, runOk } from '../../server/test-support/process.js';
import type { MediaChunk } from '../media-chunk.js';
import { EngineRecorder } from './engine-recorder.js';
import { defaultRecordPath, freeRecordPart, NOTHING_RECORDED } from './record-file.js';
import { verticalRecordPath } from './engine-recordings.js';
import type { RecordingStatus } from './types.js';

const SETTINGS = { video: { width: 640, height: 360, fps: 30, bitrateKbps: 1000 }, audio: { bitrateKbps: 128, sampleRate: 48000, channels: 2 } };
/** The session clock of the window is not the file's: the recording starts its own at zero. */
const SESSION_OFFSET_US = 7_000_000;

function chunkOf(f: MediaFrame): MediaChunk | null {
  const kind: MediaChunk['kind'] | null =
    f.track === 'video'
      ? f.kind === 'config'
        ? 'video-config'
        : f.kind === 'key'
          ? 'video-key'
          : f.kind === 'inter'
            ? 'video-delta'
            : null
      : f.track === 'audio'
        ? f.kind === 'config'
          ? 'audio-config'
          : 'audio-frame'
        : null;
  return kind && { kind, timestampUs: SESSION_OFFSET_US + f.dts * 1000, compositionUs: f.cts * 1000, data: new Uint8Array(f.data) };
}

async function probe(file: string): Promise<{ streams: { codec_type: string; codec_name: string; width?: number; sample_rate?: string }[] }> {
  return JSON.parse(
    (await runOk(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,sample_rate', '-of', 'json', file])).stdout,
  );
}

async function videoPackets(file: string): Promise<{ pts: number; key: boolean }[]> {
  const out = await runOk(ffprobePath, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time,flags', '-of', 'json', file]);
  return (JSON.parse(out.stdout).packets as { pts_time: string; flags: string }[]).map((p) => ({
    pts: Number(p.pts_time),
    key: p.flags.startsWith('K'),
  }));
}

describe('EngineRecorder', () => {
  let work: string;
  let chunks: MediaChunk[];

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'onair-engine-recorder-'));
    const { av } = await makeTestFlvs(work);
    chunks = (await readFlvFile(av)).map(chunkOf).filter((c): c is MediaChunk => c !== null);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('copies the chunks into Matroska from a keyframe on, at their times, next to a file it leaves alone', async () => {
    const given = path.join(work, 'stream.mkv');
    writeFileSync(given, 'an earlier stream');
    const statuses: RecordingStatus[] = [];
    const rec = new EngineRecorder({ path: given, ffmpegPath, settings: SETTINGS, onStatus: (s) => statuses.push(s) });
    const file = path.join(work, 'stream-2.mkv');
    assert.deepEqual(statuses, [{ state: 'recording', path: file }]);
    // The recording is turned on after the first keyframe went by: it waits for the next one (a second later).
    const firstKey = chunks.findIndex((c) => c.kind === 'video-key');
    const fed = chunks.filter((_, i) => i !== firstKey);
    for (const c of fed) rec.push(c);
    // A chunk the codec library refuses is left out and counted; the recording goes on.
    rec.push({ kind: 'video-delta', timestampUs: fed.at(-1)!.timestampUs + 1, compositionUs: 0, data: new Uint8Array([0, 0, 9]) });
    const secondKeyUs = chunks.filter((c) => c.kind === 'video-key')[1]!.timestampUs;
    const lastVideoUs = chunks.filter((c) => c.kind.startsWith('video-')).at(-1)!.timestampUs;
    assert.equal(
      rec.droppedFrames,
      fed.filter((c) => c.kind.startsWith('video-') && c.kind !== 'video-config' && c.timestampUs < secondKeyUs).length + 1,
    );
    assert.deepEqual(await rec.stop(), { state: 'stopped', path: file });
    assert.deepEqual(statuses.at(-1), { state: 'stopped', path: file });

    assert.equal(readFileSync(given, 'utf8'), 'an earlier stream', 'the file already there is untouched');
    const { streams } = await probe(file);
    const v = streams.find((s) => s.codec_type === 'video');
    const a = streams.find((s) => s.codec_type === 'audio');
    assert.equal(v?.codec_name, 'h264');
    assert.equal(v?.width, 640);
    assert.equal(a?.codec_name, 'aac');
    assert.equal(a?.sample_rate, '48000');
    const vp = await videoPackets(file);
    const expected = chunks.filter((c) => (c.kind === 'video-key' || c.kind === 'video-delta') && c.timestampUs >= secondKeyUs).length;
    assert.equal(vp.length, expected, 'every frame from the keyframe on, none encoded again');
    assert.ok(vp[0]!.key && Math.abs(vp[0]!.pts) < 0.001, `starts with a keyframe at 0: ${JSON.stringify(vp[0])}`);
    const span = Math.max(...vp.map((p) => p.pts));
    assert.ok(Math.abs(span - (lastVideoUs - secondKeyUs) / 1e6) < 0.05, `the frames keep their times: ${span} s`);
  });

  test('an .mp4 name: fragmented MP4 (playable up to where it stopped), every frame', async () => {
    const file = path.join(work, 'stream.mp4');
    const rec = new EngineRecorder({ path: file, ffmpegPath, settings: SETTINGS, onStatus: () => {} });
    for (const c of chunks) rec.push(c);
    assert.deepEqual(await rec.stop(), { state: 'stopped', path: file });
    const format = JSON.parse((await runOk(ffprobePath, ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'json', file])).stdout).format;
    assert.match(format.format_name, /mp4/);
    assert.ok(readFileSync(file).includes('moof'), 'in fragments');
    assert.equal((await videoPackets(file)).length, chunks.filter((c) => c.kind === 'video-key' || c.kind === 'video-delta').length);
  });

  test('a folder that is not there: failed in words, nothing written, the chunks ignored', async () => {
    const statuses: RecordingStatus[] = [];
    const given = path.join(work, 'no-such-folder', 'stream.mkv');
    const rec = new EngineRecorder({ path: given, ffmpegPath, settings: SETTINGS, onStatus: (s) => statuses.push(s) });
    for (const c of chunks.slice(0, 100)) rec.push(c);
    const end = await rec.stop();
    assert.equal(end.state, 'failed');
    assert.match(end.reason ?? '', /^Not recording: the folder .*no-such-folder does not exist\.$/);
    assert.deepEqual(statuses, [end]);
    assert.ok(!existsSync(path.dirname(given)));
  });

  test('a broadcast that never sent a picture: no file, and said so', async () => {
    const given = path.join(work, 'never.mkv');
    const rec = new EngineRecorder({ path: given, ffmpegPath, settings: SETTINGS, onStatus: () => {} });
    rec.push(chunks.find((c) => c.kind === 'audio-config')!);
    assert.deepEqual(await rec.stop(), { state: 'failed', path: given, reason: NOTHING_RECORDED });
    assert.ok(!existsSync(given));
  });

  test('the free name: the one given, else its first free numbered sibling from the part asked', () => {
    const taken = new Set(['/r/s.mkv', '/r/s-2.mkv', '/r/s-4.mkv']);
    const exists = (p: string) => taken.has(p);
    assert.equal(freeRecordPart('/r/s.mkv', 1, exists), 3);
    assert.equal(freeRecordPart('/r/s.mkv', 4, exists), 5);
    assert.equal(freeRecordPart('/r/other.mkv', 1, exists), 1);
    assert.equal(
      freeRecordPart('/r/s.mkv', 1, () => true),
      null,
    );
  });

  test('a recording started without a name: the Videos folder (else home), by local date and time; the vertical file beside the main one', () => {
    const at = new Date(2026, 11, 7, 9, 5, 3);
    assert.equal(
      defaultRecordPath(at, '/home/me', (p) => p === '/home/me/Videos'),
      '/home/me/Videos/Onair 2026-12-07 09-05-03.mkv',
    );
    assert.equal(
      defaultRecordPath(at, '/home/me', () => false),
      '/home/me/Onair 2026-12-07 09-05-03.mkv',
    );
    assert.equal(verticalRecordPath('/v/show-2.mkv'), '/v/show-2-vertical.mkv');
    assert.equal(verticalRecordPath('C:\\Videos\\show.mp4'), 'C:\\Videos\\show-vertical.mp4');
    assert.equal(verticalRecordPath('/v.d/show'), '/v.d/show-vertical');
  });
});
