// What a first run finds to make its scenes from: whether the screen can be captured, the cameras (capture cards
// show up as cameras) and the Android phones main's source list found over USB. Labels and ids are only given once
// the page may use a camera, so it asks once and lets go.
import type { DetectedDevices } from '../../engine/scene/defaults.js';
import { call } from '../onair.js';

/** The phones adb lists as ready; none when main cannot list them (no adb is not a first run's failure). */
async function readyPhones(): Promise<string[]> {
  const list = await call('sources:list', {}).catch(() => null);
  return (list?.sources ?? []).flatMap((o) => (o.spec.kind === 'android' && o.spec.serial ? [o.spec.serial] : []));
}

export async function detectDevices(): Promise<DetectedDevices> {
  const md = navigator.mediaDevices;
  const phones = readyPhones();
  if (!md) return { screen: false, cameras: [], phones: await phones };
  try {
    const probe = await md.getUserMedia({ video: true });
    probe.getTracks().forEach((t) => t.stop());
  } catch {
    // No camera, or permission refused: the list below says which.
  }
  const all = await md.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
  const cameras = all.filter((d) => d.kind === 'videoinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
  return { screen: typeof md.getDisplayMedia === 'function', cameras, phones: await phones };
}
