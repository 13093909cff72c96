// The scenes a first run starts with, from the devices found: "Screen + camera", "Camera", "Phone" when an Android
// phone is connected, and "Be right back", each with a horizontal layout and a vertical one (camera on top, screen
// below; the phone's upright screen fills the vertical canvas). Pure: the devices come in as data.
import { newItem, type ItemPlacement } from './commands.js';
import { DEFAULT_CANVASES, SCENES_VERSION, type Crop, type Item, type Scene, type ScenesDoc, type Source } from './model.js';

export interface DetectedDevices {
  /** Whether the screen can be captured here (getDisplayMedia exists). */
  screen: boolean;
  cameras: { deviceId: string; label: string }[];
  /** Android phones ready over USB, by adb serial (main's source list). */
  phones: string[];
}

/** Camera and screen pictures are taken as 16:9 until they are open (the compositor then draws what they give). */
const SOURCE_ASPECT = 16 / 9;
/** A phone's screen held upright, as screenrecord is asked for it (720x1280). */
const PHONE_ASPECT = 9 / 16;

/** The crop that fills a w×h box with a 16:9 picture without stretching it (cut evenly off both sides). */
export function coverCrop(w: number, h: number, aspect = SOURCE_ASPECT): Crop {
  const box = w / h;
  if (box < aspect) {
    const side = (1 - box / aspect) / 2;
    return { top: 0, bottom: 0, left: side, right: side };
  }
  const side = (1 - aspect / box) / 2;
  return { top: side, bottom: side, left: 0, right: 0 };
}

/** The largest 16:9 box inside the rectangle, centred. */
function fit(x: number, y: number, w: number, h: number, aspect = SOURCE_ASPECT): ItemPlacement {
  const fw = Math.min(w, h * aspect);
  const fh = fw / aspect;
  return { x: Math.round(x + (w - fw) / 2), y: Math.round(y + (h - fh) / 2), w: Math.round(fw), h: Math.round(fh) };
}

export function firstRunScenes(devices: DetectedDevices, ids: (prefix: string) => string): ScenesDoc {
  const [H, V] = DEFAULT_CANVASES as [(typeof DEFAULT_CANVASES)[0], (typeof DEFAULT_CANVASES)[0]];
  const sources: Record<string, Source> = {};
  const add = (name: string, settings: Source['settings']) => {
    const id = ids('source');
    sources[id] = { id, name, settings };
    return id;
  };
  const background = add('Background', { kind: 'color', color: '#101820' });
  const screen = devices.screen ? add('Screen', { kind: 'screen' }) : null;
  const cam = devices.cameras[0];
  const camera = cam ? add(cam.label || 'Camera', { kind: 'camera', deviceId: cam.deviceId }) : null;
  const phoneSerial = devices.phones[0];
  const phone = phoneSerial === undefined ? null : add('Phone', { kind: 'phone', serial: phoneSerial });
  const brb = add('Be right back', { kind: 'text', text: 'Be right back', color: '#ffffff', size: 72 });
  const item = (sourceId: string, p: ItemPlacement, extra: Partial<Item> = {}) => newItem(ids('item'), sourceId, p, extra);
  const full = (c: typeof H): ItemPlacement => ({ x: 0, y: 0, w: c.width, h: c.height });
  const half = V.height / 2;
  // Bottom-right, a quarter of the width, 24 px from the edges.
  const cameraCorner = () => (camera ? [item(camera, { x: H.width - 320 - 24, y: H.height - 180 - 24, w: 320, h: 180 })] : []);

  const screenCamera: Scene = {
    id: ids('scene'),
    name: 'Screen + camera',
    items: {
      horizontal: [item(background, full(H)), ...(screen ? [item(screen, full(H))] : []), ...cameraCorner()],
      vertical: [
        item(background, full(V)),
        ...(camera ? [item(camera, { x: 0, y: 0, w: V.width, h: half }, { crop: coverCrop(V.width, half) })] : []),
        ...(screen ? [item(screen, fit(0, half, V.width, half))] : []),
      ],
    },
  };
  const cameraOnly: Scene = {
    id: ids('scene'),
    name: 'Camera',
    items: {
      horizontal: [item(background, full(H)), ...(camera ? [item(camera, full(H))] : [])],
      vertical: [item(background, full(V)), ...(camera ? [item(camera, full(V), { crop: coverCrop(V.width, V.height) })] : [])],
    },
  };
  // The phone upright in the middle of the horizontal canvas, full height, the camera in its corner; upright, it
  // fills the vertical canvas.
  const phoneScene: Scene | null = phone
    ? {
        id: ids('scene'),
        name: 'Phone',
        items: {
          horizontal: [item(background, full(H)), item(phone, fit(0, 0, H.width, H.height, PHONE_ASPECT)), ...cameraCorner()],
          vertical: [item(background, full(V)), item(phone, full(V), { crop: coverCrop(V.width, V.height, PHONE_ASPECT) })],
        },
      }
    : null;
  const textBox = (c: typeof H): ItemPlacement => ({
    x: Math.round(c.width * 0.1),
    y: Math.round(c.height / 2 - 60),
    w: Math.round(c.width * 0.8),
    h: 120,
  });
  const beRightBack: Scene = {
    id: ids('scene'),
    name: 'Be right back',
    items: { horizontal: [item(background, full(H)), item(brb, textBox(H))], vertical: [item(background, full(V)), item(brb, textBox(V))] },
  };
  const scenes = [screenCamera, cameraOnly, ...(phoneScene ? [phoneScene] : []), beRightBack];
  return {
    version: SCENES_VERSION,
    canvases: DEFAULT_CANVASES,
    sources,
    scenes,
    program: (screen || camera ? screenCamera : (phoneScene ?? beRightBack)).id,
  };
}
