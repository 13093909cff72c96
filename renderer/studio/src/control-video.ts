// obs-websocket's GetVideoSettings and SetVideoSettings as the Studio has them. OBS's base (canvas) resolution is the
// horizontal canvas in the engine mode (with ffmpeg there is no canvas: the picture is the preset's size); the output
// resolution is the preset's (what is sent, the canvas scaled to it), changed by picking a preset, so a request for
// another is refused in words; the frame rate is what the FPS field shows (the canvases' in the engine mode, one of
// FRAME_RATES, NTSC's as OBS writes them: 30000/1001; ffmpeg's whole output rate otherwise). As OBS, nothing changes while the stream runs.
import { frameRateFraction, PRESETS, type PresetName } from '../../../electron/broadcast/types.js';
import { RequestStatus } from '../../../electron/control-contract.js';
import { broadcastRuns, LIMITS } from '../../../electron/ipc-contract.js';
import { CANVAS_SIZES, canvasOf, FRAME_RATES_TEXT, isFrameRate } from '../engine/scene/model.js';
import { fail, isAnswer, ok, type ControlAnswer } from './control-answers.js';
import { useScenes } from './scenes/store.js';
import { useStudio } from './store.js';

function videoSettings() {
  const s = useStudio.getState();
  const output = PRESETS[s.preset as PresetName] ?? PRESETS['Smooth 720p30'];
  const doc = useScenes.getState().history?.present;
  const canvas = s.mode === 'engine' && doc ? canvasOf(doc, 'horizontal') : null;
  const [fpsNumerator, fpsDenominator] = frameRateFraction(canvas?.fps ?? s.fps);
  return {
    fpsNumerator,
    fpsDenominator,
    baseWidth: canvas?.width ?? output.width,
    baseHeight: canvas?.height ?? output.height,
    outputWidth: output.width,
    outputHeight: output.height,
  };
}

/** Both fields of a pair, or neither (as obs-websocket asks): the pair, null when absent, or the refusal. */
function pair(data: Record<string, unknown>, a: string, b: string): [number, number] | null | ControlAnswer {
  if (data[a] === undefined && data[b] === undefined) return null;
  if (data[a] === undefined || data[b] === undefined) return fail(RequestStatus.MissingRequestField, `\`${a}\` and \`${b}\` go together.`);
  const [x, y] = [data[a], data[b]];
  if (!Number.isInteger(x) || !Number.isInteger(y) || (x as number) < 1 || (y as number) < 1)
    return fail(RequestStatus.InvalidRequestFieldType, `\`${a}\` and \`${b}\` are whole numbers above 0.`);
  return [x as number, y as number];
}

function setVideo(data: Record<string, unknown>): ControlAnswer {
  if (broadcastRuns(useStudio.getState().broadcast.kind))
    return fail(RequestStatus.OutputRunning, 'Video settings cannot be changed while the stream is running.');
  const fps = pair(data, 'fpsNumerator', 'fpsDenominator');
  if (isAnswer(fps)) return fps;
  const base = pair(data, 'baseWidth', 'baseHeight');
  if (isAnswer(base)) return base;
  const output = pair(data, 'outputWidth', 'outputHeight');
  if (isAnswer(output)) return output;
  const engine = useStudio.getState().mode === 'engine';
  if (engine && !useScenes.getState().history) return fail(RequestStatus.InvalidResourceState, 'The scenes are still loading.');
  const now = videoSettings();
  // Everything is checked before anything changes: a request is done whole or not at all.
  const rate = fps ? fps[0] / fps[1] : null;
  if (rate !== null && (engine ? !isFrameRate(rate) : !Number.isInteger(rate) || rate < LIMITS.fps.min || rate > LIMITS.fps.max))
    return fail(
      RequestStatus.RequestFieldOutOfRange,
      engine
        ? `The frame rate is one of ${FRAME_RATES_TEXT} frames a second.`
        : `The frame rate is a whole number of frames a second, ${LIMITS.fps.min} to ${LIMITS.fps.max}.`,
    );
  const [bw, bh] = base ?? [now.baseWidth, now.baseHeight];
  if (bw !== now.baseWidth || bh !== now.baseHeight) {
    if (!engine) return fail(RequestStatus.InvalidRequestField, 'With ffmpeg the picture is the preset’s size: pick a preset in the Studio.');
    if (!CANVAS_SIZES.horizontal.some(([w, h]) => w === bw && h === bh))
      return fail(RequestStatus.RequestFieldOutOfRange, `The canvas is ${CANVAS_SIZES.horizontal.map(([w, h]) => `${w}x${h}`).join(' or ')}.`);
  }
  const [ow, oh] = output ?? [now.outputWidth, now.outputHeight];
  if (ow !== now.outputWidth || oh !== now.outputHeight)
    return fail(RequestStatus.InvalidRequestField, 'The output size is the preset’s: pick a preset in the Studio.');

  if (!engine) {
    if (rate !== null) useStudio.getState().set({ fps: rate });
    return ok();
  }
  // Checked above, so these apply; should one not, the answer says why rather than success.
  const scenes = useScenes.getState();
  const resized =
    (bw === now.baseWidth && bh === now.baseHeight) || scenes.exec({ type: 'setCanvasSize', canvas: 'horizontal', width: bw, height: bh });
  const applied = resized && (rate === null || rate === now.fpsNumerator / now.fpsDenominator || scenes.exec({ type: 'setFrameRate', fps: rate }));
  if (!applied) return fail(RequestStatus.ResourceActionFailed, useScenes.getState().error ?? 'The Studio could not change that.');
  return ok();
}

/** The video settings request's answer, or null when it is not one of these. */
export function answerVideoRequest(type: string, data: Record<string, unknown>): ControlAnswer | null {
  if (type === 'GetVideoSettings') return ok(videoSettings());
  if (type === 'SetVideoSettings') return setVideo(data);
  return null;
}
