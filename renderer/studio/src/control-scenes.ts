// The remote control's scene and input requests, answered from the scenes store through the same commands the UI
// uses (so undo, saving and the compositor see every change). OBS's names: scenes and inputs by name or uuid (our
// ids), scene items by an integer id (ours are strings: numbered in this window as tools first see them), input
// kinds as OBS names them (`color_source_v3` with `color` as 0xAABBGGRR, `image_source` with `file`,
// `text_ft2_source_v2` with `text`, `browser_source` with `url`, `width` and `height`, each system's camera (its sound
// device as OBS's custom audio device) and screen capture; OBS has no Android kind, so ours is `onair_android_screen`
// with `serial`). Layers are addressed on the horizontal canvas, which is what OBS's tools know; Onair's vertical
// canvas has vendor requests of its own.
import { EventSubscription, RequestStatus } from '../../../electron/control-contract.js';
import { broadcastRuns } from '../../../electron/ipc-contract.js';
import { isPhoneSerial, isWebPageSize, isWebPageUrl, WEB_PAGE_SIZE } from '../../../electron/source-feed.js';
import { newItem } from '../engine/scene/commands.js';
import { canvasOf, newId, type Scene, type ScenesDoc, type Source, type SourceSettings } from '../engine/scene/model.js';
import { fail, isAnswer, ok, type ControlAnswer } from './control-answers.js';
import { useScenes } from './scenes/store.js';
import { useStudio } from './store.js';
import { useVerticalOutput, verticalActive } from './vertical-output.js';

const os = () => (/Windows/.test(navigator.userAgent) ? 'windows' : /Mac OS X/.test(navigator.userAgent) ? 'macos' : 'linux');
const CAMERA_KIND = { windows: 'dshow_input', macos: 'av_capture_input_v2', linux: 'v4l2_input' } as const;
/** An Android phone's screen over USB (adb screenrecord): OBS has no such kind, so the name is ours. */
const PHONE_KIND = 'onair_android_screen';
const SCREEN_KIND = { windows: 'monitor_capture', macos: 'screen_capture', linux: 'xshm_input' } as const;
const WEB_KIND = 'browser_source';
/** OBS's browser source size when none is given. */
const WEB_DEFAULT = { width: 800, height: 600 } as const;

/** 0xAABBGGRR (OBS) <-> CSS colour. */
export function obsColorToCss(n: number): string {
  const r = n & 0xff;
  const g = (n >>> 8) & 0xff;
  const b = (n >>> 16) & 0xff;
  const a = (n >>> 24) & 0xff;
  const hex = (x: number) => x.toString(16).padStart(2, '0');
  return a === 0xff || a === 0 ? `#${hex(r)}${hex(g)}${hex(b)}` : `#${hex(r)}${hex(g)}${hex(b)}${hex(a)}`;
}

export function cssColorToObs(css: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/i.exec(css);
  if (!m) return 0xff000000;
  const [r, g, b, a] = [m[1], m[2], m[3], m[4] ?? 'ff'].map((h) => parseInt(h, 16));
  return (((a << 24) | (b << 16) | (g << 8) | r) >>> 0) as number;
}

function obsKind(s: SourceSettings): string {
  switch (s.kind) {
    case 'color':
      return 'color_source_v3';
    case 'image':
      return 'image_source';
    case 'text':
      return 'text_ft2_source_v2';
    case 'camera':
      return CAMERA_KIND[os()];
    case 'screen':
      return SCREEN_KIND[os()];
    case 'chat':
      return 'onair_chat_source';
    case 'phone':
      return PHONE_KIND;
    case 'web':
      return WEB_KIND;
  }
}

function obsSettings(s: SourceSettings): Record<string, unknown> {
  switch (s.kind) {
    case 'color':
      return { color: cssColorToObs(s.color) };
    case 'image':
      return { file: s.url };
    case 'text':
      return { text: s.text, color1: cssColorToObs(s.color), font: { size: s.size } };
    case 'camera':
      // OBS's video capture device names its sound's device this way (with "use a custom audio device" on).
      return {
        ...(s.deviceId ? { device_id: s.deviceId } : {}),
        ...(s.audioDeviceId ? { use_custom_audio_device: true, audio_device_id: s.audioDeviceId } : {}),
      };
    case 'chat':
      return { lines: s.lines };
    case 'phone':
      return { serial: s.serial };
    case 'web':
      return { url: s.url, width: s.width, height: s.height };
    default:
      return {};
  }
}

/** Our settings for an OBS input kind and its settings (over `base` when changing), or the refusal to answer. */
function fromObs(kind: string, settings: Record<string, unknown>, base?: SourceSettings): SourceSettings | ControlAnswer {
  const badField = (comment: string) => fail(RequestStatus.InvalidRequestField, comment);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  if (kind === 'color_source_v3' || kind === 'color_source') {
    const c = num(settings.color);
    return { kind: 'color', color: c !== undefined ? obsColorToCss(c) : base?.kind === 'color' ? base.color : '#000000' };
  }
  if (kind === 'image_source') {
    const file = str(settings.file) ?? (base?.kind === 'image' ? base.url : undefined);
    if (!file) return badField('An image input needs `file` (an image URL).');
    return { kind: 'image', url: file };
  }
  if (/^text_(ft2_source|gdiplus)/.test(kind)) {
    const b = base?.kind === 'text' ? base : { text: '', color: '#ffffff', size: 48 };
    const font = settings.font as { size?: unknown } | undefined;
    const c = num(settings.color1) ?? num(settings.color);
    return { kind: 'text', text: str(settings.text) ?? b.text, color: c !== undefined ? obsColorToCss(c) : b.color, size: num(font?.size) ?? b.size };
  }
  if (Object.values(CAMERA_KIND).includes(kind as never) || kind === 'av_capture_input') {
    const b = base?.kind === 'camera' ? base : undefined;
    const deviceId = str(settings.device_id) || b?.deviceId;
    // The sound's device: given (empty, or custom audio off, for none), else as it was.
    const audio =
      settings.use_custom_audio_device === false ? '' : settings.audio_device_id !== undefined ? str(settings.audio_device_id) : b?.audioDeviceId;
    return { kind: 'camera', ...(deviceId ? { deviceId } : {}), ...(audio ? { audioDeviceId: audio } : {}) };
  }
  if (Object.values(SCREEN_KIND).includes(kind as never) || kind === 'display_capture' || kind === 'pipewire-screen-capture-source')
    // The screen or window chosen in the Studio's picker stays (a tool has no such setting to change it with).
    return base?.kind === 'screen' && base.target ? { kind: 'screen', target: base.target } : { kind: 'screen' };
  if (kind === 'onair_chat_source') return { kind: 'chat', lines: num(settings.lines) ?? (base?.kind === 'chat' ? base.lines : 8) };
  if (kind === PHONE_KIND) {
    const serial = settings.serial === undefined ? (base?.kind === 'phone' ? base.serial : '') : settings.serial;
    return isPhoneSerial(serial)
      ? { kind: 'phone', serial }
      : badField('serial must be an adb serial (as `adb devices` lists it), or empty for the one phone connected.');
  }
  if (kind === WEB_KIND) {
    const b = base?.kind === 'web' ? base : { url: undefined, ...WEB_DEFAULT };
    const url = settings.url ?? b.url;
    const width = settings.width ?? b.width;
    const height = settings.height ?? b.height;
    if (!isWebPageUrl(url)) return badField('A browser input needs `url`, an http or https address.');
    if (!isWebPageSize(width) || !isWebPageSize(height))
      return badField(`width and height must be whole numbers of pixels from ${WEB_PAGE_SIZE.min} to ${WEB_PAGE_SIZE.max}.`);
    return { kind: 'web', url, width, height };
  }
  return fail(
    RequestStatus.InvalidInputKind,
    `Input kind ${kind} is not one the Studio has (color_source_v3, image_source, text_ft2_source_v2, ${WEB_KIND}, ${CAMERA_KIND[os()]}, ${SCREEN_KIND[os()]}, ${PHONE_KIND}).`,
  );
}

/** Scene item ids as tools see them: integers, stable for the window's life. */
const itemNumbers = new Map<string, number>();
const itemNumber = (id: string) => {
  let n = itemNumbers.get(id);
  if (n === undefined) itemNumbers.set(id, (n = itemNumbers.size + 1));
  return n;
};

const sceneList = (doc: ScenesDoc) => doc.scenes.map((s, i) => ({ sceneName: s.name, sceneUuid: s.id, sceneIndex: i }));

function run(cmd: Parameters<ReturnType<typeof useScenes.getState>['exec']>[0]): ControlAnswer | null {
  const st = useScenes.getState();
  if (st.exec(cmd)) return null;
  return fail(RequestStatus.ResourceActionFailed, useScenes.getState().error ?? 'The Studio could not do that.');
}

/** The scene or input request's answer, or null when it is not one of these. */
export function answerScenesRequest(type: string, data: Record<string, unknown>): ControlAnswer | null {
  const known = [
    'GetSceneList',
    'GetCurrentProgramScene',
    'SetCurrentProgramScene',
    'CreateScene',
    'RemoveScene',
    'GetSceneItemList',
    'SetSceneItemEnabled',
    'CreateInput',
    'RemoveInput',
    'GetInputSettings',
    'SetInputSettings',
  ];
  if (!known.includes(type)) return null;
  const doc = useScenes.getState().history?.present;
  if (!doc) return fail(RequestStatus.InvalidResourceState, 'The scenes are still loading.');
  const sceneArg = (): Scene | ControlAnswer => {
    const s = doc.scenes.find((x) => x.name === data.sceneName || x.id === data.sceneUuid);
    return s ?? fail(RequestStatus.ResourceNotFound, 'No scene by that name: see GetSceneList.');
  };
  const inputArg = (): Source | ControlAnswer => {
    const s = Object.values(doc.sources).find((x) => x.name === data.inputName || x.id === data.inputUuid);
    return s ?? fail(RequestStatus.ResourceNotFound, 'No input by that name: see GetInputList.');
  };
  const program = doc.scenes.find((s) => s.id === doc.program)!;

  switch (type) {
    case 'GetSceneList':
      return ok({
        currentProgramSceneName: program.name,
        currentProgramSceneUuid: program.id,
        currentPreviewSceneName: null,
        scenes: sceneList(doc),
      });
    case 'GetCurrentProgramScene':
      return ok({ currentProgramSceneName: program.name, currentProgramSceneUuid: program.id, sceneName: program.name, sceneUuid: program.id });
    case 'SetCurrentProgramScene': {
      const s = sceneArg();
      if (isAnswer(s)) return s;
      return run({ type: 'setProgramScene', sceneId: s.id }) ?? ok();
    }
    case 'CreateScene': {
      if (typeof data.sceneName !== 'string') return fail(RequestStatus.MissingRequestField, '`sceneName` is required.');
      if (doc.scenes.some((s) => s.name === data.sceneName)) return fail(RequestStatus.ResourceAlreadyExists, 'A scene by that name exists.');
      const id = newId('scene');
      return run({ type: 'createScene', scene: { id, name: data.sceneName, items: { horizontal: [], vertical: [] } } }) ?? ok({ sceneUuid: id });
    }
    case 'RemoveScene': {
      const s = sceneArg();
      if (isAnswer(s)) return s;
      return run({ type: 'removeScene', sceneId: s.id }) ?? ok();
    }
    case 'GetSceneItemList': {
      const s = sceneArg();
      if (isAnswer(s)) return s;
      return ok({
        sceneItems: s.items.horizontal.map((it, i) => {
          const src = doc.sources[it.sourceId];
          return {
            sceneItemId: itemNumber(it.id),
            sceneItemIndex: i,
            sceneItemEnabled: it.visible,
            sceneItemLocked: it.locked,
            sourceName: src?.name ?? '',
            sourceUuid: it.sourceId,
            sourceType: 'OBS_SOURCE_TYPE_INPUT',
            inputKind: src ? obsKind(src.settings) : null,
            isGroup: null,
          };
        }),
      });
    }
    case 'SetSceneItemEnabled': {
      const s = sceneArg();
      if (isAnswer(s)) return s;
      if (typeof data.sceneItemEnabled !== 'boolean') return fail(RequestStatus.InvalidRequestFieldType, '`sceneItemEnabled` must be true or false.');
      const item = s.items.horizontal.find((it) => itemNumber(it.id) === data.sceneItemId);
      if (!item) return fail(RequestStatus.ResourceNotFound, 'No scene item with that id in that scene: see GetSceneItemList.');
      return run({ type: 'setItemVisible', sceneId: s.id, canvas: 'horizontal', itemId: item.id, visible: data.sceneItemEnabled }) ?? ok();
    }
    case 'CreateInput': {
      const s = sceneArg();
      if (isAnswer(s)) return s;
      if (typeof data.inputName !== 'string' || typeof data.inputKind !== 'string')
        return fail(RequestStatus.MissingRequestField, '`inputName` and `inputKind` are required.');
      if (Object.values(doc.sources).some((x) => x.name === data.inputName))
        return fail(RequestStatus.ResourceAlreadyExists, 'An input by that name exists.');
      const settings = fromObs(data.inputKind, (data.inputSettings as Record<string, unknown>) ?? {});
      if (isAnswer(settings)) return settings;
      const sourceId = newId('source');
      const itemId = newId('item');
      const c = canvasOf(doc, 'horizontal');
      const failed =
        run({ type: 'addSource', source: { id: sourceId, name: data.inputName, settings } }) ??
        run({
          type: 'addItem',
          sceneId: s.id,
          canvas: 'horizontal',
          item: newItem(itemId, sourceId, { x: 0, y: 0, w: c.width, h: c.height }, { visible: data.sceneItemEnabled !== false }),
        });
      return failed ?? ok({ inputUuid: sourceId, sceneItemId: itemNumber(itemId) });
    }
    case 'RemoveInput': {
      const src = inputArg();
      if (isAnswer(src)) return src;
      return run({ type: 'removeSource', sourceId: src.id }) ?? ok();
    }
    case 'GetInputSettings': {
      const src = inputArg();
      if (isAnswer(src)) return src;
      return ok({ inputKind: obsKind(src.settings), inputSettings: obsSettings(src.settings) });
    }
    default: {
      // SetInputSettings
      const src = inputArg();
      if (isAnswer(src)) return src;
      if (typeof data.inputSettings !== 'object' || data.inputSettings === null)
        return fail(RequestStatus.MissingRequestField, '`inputSettings` is required.');
      const next = fromObs(obsKind(src.settings), data.inputSettings as Record<string, unknown>, src.settings);
      if (isAnswer(next)) return next;
      return run({ type: 'updateSource', sourceId: src.id, settings: next }) ?? ok();
    }
  }
}

/**
 * Onair's own requests through CallVendorRequest (vendorName `onair`): the vertical output. GetVerticalOutput gives
 * whether it is on, the vertical canvas's size and whether it is on air now; SetVerticalOutput turns it on or off
 * and sets the size (720x1280 or 1080x1920), kept like the Studio's switch (vertical-output.ts). It applies from the
 * next Go Live (engine mode): while live, a change is refused in words, as the Studio's switch is disabled. Where it
 * goes (`destination`) is main's, which takes it out of the request and adds it to the answer
 * (electron/main/core/control/obs-vertical.ts): the other server's key never comes to the window.
 */
export function answerVendorRequest(data: Record<string, unknown>): ControlAnswer {
  if (data.vendorName !== 'onair') return fail(RequestStatus.ResourceNotFound, 'No vendor by that name: the Studio has `onair`.');
  const doc = useScenes.getState().history?.present;
  if (!doc) return fail(RequestStatus.InvalidResourceState, 'The scenes are still loading.');
  const answer = (responseData: Record<string, unknown>) => ok({ vendorName: 'onair', requestType: data.requestType, responseData });
  const output = () => {
    const v = canvasOf(useScenes.getState().history!.present, 'vertical');
    const o = useVerticalOutput.getState();
    return { enabled: o.enabled, width: v.width, height: v.height, active: verticalActive(o.state) };
  };
  const req = (data.requestData ?? {}) as Record<string, unknown>;
  switch (data.requestType) {
    case 'GetVerticalOutput':
      return answer(output());
    case 'SetVerticalOutput': {
      if (req.enabled !== undefined && typeof req.enabled !== 'boolean')
        return fail(RequestStatus.InvalidRequestField, '`enabled` is true or false.');
      const changes = req.enabled !== undefined || req.width !== undefined || req.height !== undefined;
      if (changes && broadcastRuns(useStudio.getState().broadcast.kind))
        return fail(RequestStatus.OutputRunning, 'Stop the stream before changing the vertical output; it applies from the next Go Live.');
      if (req.width !== undefined || req.height !== undefined) {
        const now = output();
        const failed = run({
          type: 'setCanvasSize',
          canvas: 'vertical',
          width: Number(req.width ?? now.width),
          height: Number(req.height ?? now.height),
        });
        if (failed) return failed;
      }
      if (typeof req.enabled === 'boolean') useVerticalOutput.getState().setEnabled(req.enabled);
      return answer(output());
    }
    default:
      return fail(RequestStatus.UnknownRequestType, 'Onair vendor requests: GetVerticalOutput, SetVerticalOutput.');
  }
}

/** The scenes' inputs for GetInputList (the mixer lists its own), of one OBS kind or all. */
export function sceneInputs(kind: string | null): Record<string, unknown>[] {
  const doc = useScenes.getState().history?.present;
  return Object.values(doc?.sources ?? {})
    .map((s) => ({
      inputName: s.name,
      inputUuid: s.id,
      inputKind: obsKind(s.settings),
      unversionedInputKind: obsKind(s.settings).replace(/_v\d+$/, ''),
    }))
    .filter((i) => !kind || i.inputKind === kind);
}

/** Sends CurrentProgramSceneChanged and SceneListChanged as the scenes change, whoever changed them. */
export function followScenesForControl(emit: (eventType: string, intent: number, data: Record<string, unknown>) => void): () => void {
  return useScenes.subscribe((now, before) => {
    const a = now.history?.present;
    const b = before.history?.present;
    if (!a || a === b) return;
    if (b && a.program !== b.program) {
      const s = a.scenes.find((x) => x.id === a.program);
      if (s) emit('CurrentProgramSceneChanged', EventSubscription.Scenes, { sceneName: s.name, sceneUuid: s.id });
    }
    const names = (d: ScenesDoc | undefined) => d?.scenes.map((s) => `${s.id}\u0000${s.name}`).join('\u0001');
    if (b && names(a) !== names(b)) emit('SceneListChanged', EventSubscription.Scenes, { scenes: sceneList(a) });
  });
}
