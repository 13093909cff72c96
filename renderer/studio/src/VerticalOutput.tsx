// The vertical output, beside Go Live: the switch (engine mode only: the vertical canvas is the scenes'), its size
// (the vertical canvas's, 720x1280 or 1080x1920) and bitrate, where it goes (VerticalDestination.tsx), and while a
// broadcast runs its own state line (where to, by host; connecting, live, reconnecting and why, failed and why), which
// never stops the main output.
import { useEffect, useState } from 'react';
import { VERTICAL_SIZES } from '../../../electron/ipc-contract.js';
import { stateLine } from '../../../electron/state-line.js';
import { canvasOf } from '../engine/scene/model.js';
import { useScenes } from './scenes/store.js';
import { outputsRun, useStudio } from './store.js';
import { VerticalDestinationPicker } from './VerticalDestination.js';
import { defaultVerticalKbps, useVerticalOutput, verticalHost } from './vertical-output.js';

export function VerticalOutput() {
  const out = useVerticalOutput();
  const mode = useStudio((s) => s.mode);
  const busy = useStudio(outputsRun);
  const doc = useScenes((s) => s.history?.present);
  const exec = useScenes((s) => s.exec);
  const session = useStudio((s) => s.session);
  const host = verticalHost(out.destination, session && 'rtmpUrl' in session ? session.rtmpUrl : undefined);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const canvas = doc ? canvasOf(doc, 'vertical') : null;
  const engine = mode === 'engine';
  return (
    <fieldset className="vertical-output" data-testid="vertical-output">
      <legend>Vertical output</legend>
      <label className="check">
        <input
          type="checkbox"
          checked={out.enabled}
          disabled={busy}
          onChange={(e) => out.setEnabled(e.target.checked)}
          data-testid="vertical-enabled"
        />
        Also send the vertical canvas
      </label>
      {!engine && out.enabled && <p className="muted small">Sent with “Encode with: This app” only (the vertical canvas is the scenes').</p>}
      {out.enabled && canvas && (
        <div className="row3">
          <label>
            Size
            <select
              value={`${canvas.width}x${canvas.height}`}
              disabled={busy}
              data-testid="vertical-size"
              onChange={(e) => {
                const [w, h] = e.target.value.split('x').map(Number);
                exec({ type: 'setCanvasSize', canvas: 'vertical', width: w!, height: h! });
              }}
            >
              {VERTICAL_SIZES.map((z) => (
                <option key={z.width} value={`${z.width}x${z.height}`}>
                  {z.width}x{z.height}
                </option>
              ))}
            </select>
          </label>
          <label>
            Bitrate (kb/s)
            <input
              type="number"
              min={200}
              max={50000}
              step={100}
              disabled={busy}
              value={out.bitrateKbps ?? defaultVerticalKbps(canvas.height)}
              onChange={(e) => out.setBitrate(Math.round(Number(e.target.value)))}
            />
          </label>
        </div>
      )}
      {out.enabled && <VerticalDestinationPicker live={busy} />}
      {out.state && (
        <p className="small" data-testid="vertical-state" data-state={out.state.kind}>
          Vertical{host ? ` → ${host}` : ''}: {stateLine(out.state, now)}
        </p>
      )}
    </fieldset>
  );
}
