// The settings only the ffmpeg pipeline ("Encode with: ffmpeg") uses: what it captures (one source, a camera in a
// corner, the microphone and system audio) and which of ffmpeg's encoders. In the engine mode the scenes and the
// mixer do all of that, and these are not shown.
import { PIP_POSITIONS, PIP_SIZE } from '../../../electron/broadcast/types.js';
import type { PictureInPicture } from '../../../electron/ipc-contract.js';
import { MicrophonePicker } from './MicrophonePicker.js';
import { useStudio } from './store.js';

export function PipelineSource() {
  const s = useStudio();
  return (
    <>
      <label>
        Source
        <select value={s.sourceId} onChange={(e) => s.set({ sourceId: e.target.value })} data-testid="source">
          {s.sources?.sources.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      {s.sources?.notes.length ? <p className="muted small">{s.sources.notes.join(' ')}</p> : null}
    </>
  );
}

export function PipelineEncoder() {
  const s = useStudio();
  return (
    <label>
      Encoder
      <select value={s.encoder} onChange={(e) => s.set({ encoder: e.target.value })} data-testid="encoder">
        {s.encoders.map((e) => (
          <option key={e}>{e}</option>
        ))}
      </select>
    </label>
  );
}

/** Camera picture-in-picture, the microphone and system audio. */
export function PipelineCapture() {
  const s = useStudio();
  const cameras = s.sources?.cameras ?? [];
  const setPip = (p: Partial<PictureInPicture> | null) =>
    s.set({ pip: p === null ? null : { camera: cameras[0] ?? '', position: 'bottom-right', size: 0.25, ...s.pip, ...p } });
  return (
    <>
      <label className="check">
        <input type="checkbox" checked={!!s.pip} disabled={!cameras.length} onChange={(e) => setPip(e.target.checked ? {} : null)} />
        Camera picture-in-picture {cameras.length ? '' : '(no camera found)'}
      </label>
      {s.pip && (
        <div className="row3">
          <label>
            Camera
            <select value={s.pip.camera} onChange={(e) => setPip({ camera: e.target.value })}>
              {cameras.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <label>
            Position
            <select value={s.pip.position} onChange={(e) => setPip({ position: e.target.value as PictureInPicture['position'] })}>
              {PIP_POSITIONS.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <label>
            Size
            <input
              type="range"
              min={PIP_SIZE.min}
              max={PIP_SIZE.max}
              step={0.05}
              value={s.pip.size}
              onChange={(e) => setPip({ size: Number(e.target.value) })}
            />
          </label>
        </div>
      )}
      <MicrophonePicker />
      <label className="check">
        <input type="checkbox" checked={s.systemAudio} onChange={(e) => s.set({ systemAudio: e.target.checked })} />
        Include system audio (Linux: PulseAudio/PipeWire monitor; Windows: loopback device; macOS needs a virtual device such as BlackHole)
      </label>
    </>
  );
}
