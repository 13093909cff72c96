// A camera or capture card's sound: which audio input is its sound (a capture card's shows up as an input of its own),
// or none. Chosen here under the selected layer; the mixer then has a strip named after the source.
import { useEffect, useState } from 'react';
import { audioInputs } from '../../engine/audio/capture.js';
import type { Source } from '../../engine/scene/model.js';
import { useScenes } from './store.js';

export function CameraSound({ source }: { source: Source & { settings: { kind: 'camera' } } }) {
  const exec = useScenes((s) => s.exec);
  const [inputs, setInputs] = useState<{ deviceId: string; label: string }[]>([]);
  useEffect(() => {
    if (!navigator.mediaDevices) return;
    // The system's "default" and "communications" entries stand for another input: only real devices are listed.
    const list = () =>
      void audioInputs()
        .then((all) => setInputs(all.filter((d) => d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications')))
        .catch(() => setInputs([]));
    list();
    navigator.mediaDevices.addEventListener('devicechange', list);
    return () => navigator.mediaDevices.removeEventListener('devicechange', list);
  }, []);
  const chosen = source.settings.audioDeviceId ?? '';
  const missing = chosen && !inputs.some((d) => d.deviceId === chosen);
  return (
    <label className="camera-sound">
      Sound of {source.name}
      <select
        value={chosen}
        onChange={(e) => {
          const { audioDeviceId: _old, ...rest } = source.settings;
          exec({ type: 'updateSource', sourceId: source.id, settings: e.target.value ? { ...rest, audioDeviceId: e.target.value } : rest });
        }}
      >
        <option value="">None</option>
        {missing && <option value={chosen}>The device chosen before (not connected)</option>}
        {inputs.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `Audio input ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}
