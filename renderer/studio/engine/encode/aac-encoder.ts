// AAC-LC at 48 kHz stereo: WebCodecs' AudioEncoder where it offers mp4a.40.2, else the WebAssembly encoder of
// @mediabunny/aac-encoder (libavcodec's AAC, run by mediabunny in a worker). Either way the output is raw AAC
// frames and the AudioSpecificConfig. AAC encoders put 1024 samples of priming (encoder delay) before the first
// real sample; the frames' timestamps are moved that much earlier, so the sound lands with its picture.
import { copyBytes, sameBytes } from './bytes.js';
import { AAC_LC, AUDIO_CHANNELS, AUDIO_RATE } from './probe.js';

export interface EncodedAudio {
  kind: 'audio-config' | 'audio-frame';
  timestampUs: number;
  data: Uint8Array;
}

/** The encoder delay of AAC-LC encoders (libavcodec's initial_padding; Apple's and Windows' are the same 1024). */
export const AAC_PRIMING_SAMPLES = 1024;
export const AAC_PRIMING_US = Math.round((AAC_PRIMING_SAMPLES * 1_000_000) / AUDIO_RATE);

export interface AacEncoder {
  readonly backend: 'native' | 'wasm';
  /** One block of planar samples starting at `timestampUs` on the session clock. */
  encode(channels: Float32Array[], timestampUs: number): void;
  close(): Promise<void>;
}

type Out = (a: EncodedAudio) => void;

/** Emits the config once (and again if it changes), then frames shifted by the priming. */
function emitter(out: Out) {
  let config: Uint8Array | null = null;
  return (desc: AllowSharedBufferSource | undefined, timestampUs: number, data: Uint8Array) => {
    if (desc) {
      const bytes = copyBytes(desc);
      if (!config || !sameBytes(config, bytes)) {
        config = bytes;
        out({ kind: 'audio-config', timestampUs: timestampUs - AAC_PRIMING_US, data: bytes });
      }
    }
    out({ kind: 'audio-frame', timestampUs: timestampUs - AAC_PRIMING_US, data });
  };
}

function planarBuffer(channels: Float32Array[]): Float32Array<ArrayBuffer> {
  const n = channels[0]!.length;
  const all = new Float32Array(n * channels.length);
  channels.forEach((c, i) => all.set(c, i * n));
  return all;
}

export async function createAacEncoder(backend: 'native' | 'wasm', bitrateKbps: number, out: Out, onError: (e: Error) => void): Promise<AacEncoder> {
  return backend === 'native' ? nativeAac(bitrateKbps, out, onError) : wasmAac(bitrateKbps, out, onError);
}

function nativeAac(bitrateKbps: number, out: Out, onError: (e: Error) => void): AacEncoder {
  const emit = emitter(out);
  const enc = new AudioEncoder({
    output: (chunk, meta) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      emit(meta?.decoderConfig?.description, chunk.timestamp, data);
    },
    error: (e) => onError(e),
  });
  enc.configure({
    codec: AAC_LC,
    sampleRate: AUDIO_RATE,
    numberOfChannels: AUDIO_CHANNELS,
    bitrate: bitrateKbps * 1000,
    aac: { format: 'aac' },
  } as AudioEncoderConfig);
  return {
    backend: 'native',
    encode(channels, timestampUs) {
      if (enc.state !== 'configured') return;
      const data = new AudioData({
        format: 'f32-planar',
        sampleRate: AUDIO_RATE,
        numberOfChannels: channels.length,
        numberOfFrames: channels[0]!.length,
        timestamp: timestampUs,
        data: planarBuffer(channels),
      });
      enc.encode(data);
      data.close();
    },
    async close() {
      if (enc.state === 'configured') await enc.flush().catch(() => undefined);
      if (enc.state !== 'closed') enc.close();
    },
  };
}

async function wasmAac(bitrateKbps: number, out: Out, onError: (e: Error) => void): Promise<AacEncoder> {
  const [{ AudioSample, AudioSampleSource, Mp4OutputFormat, NullTarget, Output }, { registerAacEncoder }] = await Promise.all([
    import('mediabunny'),
    import('@mediabunny/aac-encoder'),
  ]);
  registerAacEncoder();
  const emit = emitter(out);
  // mediabunny encodes through an output; a fragmented MP4 into nothing keeps no state. Its timestamps start at
  // zero at our first block (what its muxer expects); ours are put back on the way out.
  let originUs: number | null = null;
  const source = new AudioSampleSource({
    codec: 'aac',
    bitrate: bitrateKbps * 1000,
    onEncodedPacket: (packet, meta) =>
      emit(meta?.decoderConfig?.description, Math.round(packet.timestamp * 1_000_000) + (originUs ?? 0), packet.data.slice()),
  });
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'fragmented' }), target: new NullTarget() });
  output.addAudioTrack(source);
  await output.start();
  let chain: Promise<void> = Promise.resolve();
  let failed = false;
  return {
    backend: 'wasm',
    encode(channels, timestampUs) {
      if (failed) return;
      originUs ??= timestampUs;
      const sample = new AudioSample({
        data: planarBuffer(channels),
        format: 'f32-planar',
        numberOfChannels: channels.length,
        sampleRate: AUDIO_RATE,
        timestamp: (timestampUs - originUs) / 1_000_000,
      });
      chain = chain
        .then(() => source.add(sample))
        .catch((e: unknown) => {
          if (!failed) onError(e instanceof Error ? e : new Error(String(e)));
          failed = true;
        })
        .finally(() => sample.close());
    },
    async close() {
      await chain;
      await output.cancel().catch(() => undefined);
    },
  };
}
