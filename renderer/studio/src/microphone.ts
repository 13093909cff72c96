// The microphone picker's choice -> the settings main gets. Pure (no React), so the store and the picker share it.
import type { MicrophoneOption, StudioSettings } from '../../../electron/ipc-contract.js';

/** Picker values besides a listed microphone's id. */
export const MIC_NONE = 'none';
export const MIC_OTHER = 'other';

/** `microphone` (and on Linux `microphoneApi`) for a choice; nothing for no microphone or an empty "Other…". */
export function microphoneSettings(choice: string, other: string, options: MicrophoneOption[]): Pick<StudioSettings, 'microphone' | 'microphoneApi'> {
  if (choice === MIC_OTHER) {
    const name = other.trim();
    return name ? { microphone: name } : {};
  }
  const picked = options.find((o) => o.id === choice);
  if (!picked) return {};
  return picked.api ? { microphone: picked.device, microphoneApi: picked.api } : { microphone: picked.device };
}
