// What a first run finds to make its scenes from: whether the screen can be captured, and the cameras (capture cards
// show up as cameras). Labels and ids are only given once the page may use a camera, so it asks once and lets go.
import type { DetectedDevices } from '../../engine/scene/defaults.js';

export async function detectDevices(): Promise<DetectedDevices> {
  const md = navigator.mediaDevices;
  if (!md) return { screen: false, cameras: [] };
  try {
    const probe = await md.getUserMedia({ video: true });
    probe.getTracks().forEach((t) => t.stop());
  } catch {
    // No camera, or permission refused: the list below says which.
  }
  const all = await md.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
  const cameras = all.filter((d) => d.kind === 'videoinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
  return { screen: typeof md.getDisplayMedia === 'function', cameras };
}
