// The microphone: no microphone, the system's default (where the platform has one), each microphone ffmpeg lists,
// or "Other…" with a device name typed in (a device the list does not show, such as a PipeWire node by name).
import { MIC_NONE, MIC_OTHER } from './microphone.js';
import { useStudio } from './store.js';

/**
 * The list before the sources are known: one array, not a new one per render (a selector that returns a new value
 * each time makes React render again and again until it gives up: the window went blank when the session came
 * before the sources, as a remote control's SetStreamServiceSettings can bring it).
 */
const NO_MICROPHONES: NonNullable<ReturnType<typeof useStudio.getState>['sources']>['microphones'] = [];

export function MicrophonePicker() {
  const choice = useStudio((s) => s.micChoice);
  const other = useStudio((s) => s.micOther);
  const options = useStudio((s) => s.sources?.microphones ?? NO_MICROPHONES);
  const set = useStudio((s) => s.set);
  const refresh = useStudio((s) => s.refreshSources);
  return (
    <>
      <div className="mic">
        <label>
          Microphone
          <select value={choice} onChange={(e) => set({ micChoice: e.target.value })} data-testid="microphone">
            <option value={MIC_NONE}>No microphone</option>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
            <option value={MIC_OTHER}>Other…</option>
          </select>
        </label>
        <button type="button" className="mic__refresh" onClick={() => void refresh()} title="List the devices again (after plugging one in)">
          Refresh
        </button>
      </div>
      {choice === MIC_OTHER && (
        <label>
          Microphone device name
          <input
            value={other}
            placeholder="PulseAudio source, DirectShow or avfoundation device name"
            onChange={(e) => set({ micOther: e.target.value })}
          />
        </label>
      )}
    </>
  );
}
