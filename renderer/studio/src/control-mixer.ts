// The remote control's audio requests, answered from the mixer's settings (mixer-store.ts) as the Mixer panel's
// fader and mute buttons change them: OBS's names for the inputs and their kinds, volume as a multiplier or in dB,
// the events tools follow (InputMuteStateChanged, InputVolumeChanged) whoever made the change, and the levels of
// InputVolumeMeters from the mixer's own meters.
import { EventSubscription, RequestStatus } from '../../../electron/control-contract.js';
import { dbToGain, GAIN_MAX_DB, GAIN_OFF_DB, gainToDb } from '../engine/audio/levels.js';
import type { AudioMixer } from '../engine/audio/mixer.js';
import { layerAudioWishes, sourceOfStrip } from '../engine/audio/layer-audio.js';
import { DESKTOP_STRIP, MIC_STRIP } from '../engine/audio/sources.js';
import { fail, ok, type ControlAnswer } from './control-answers.js';
import { useMixer } from './mixer-store.js';
import { useScenes } from './scenes/store.js';

/** The audio inputs of the mixer's own, with OBS's input kind on this system (`strip`: the mixer's strip id). */
function audioInputs(): { name: string; uuid: string; kind: string; strip: string }[] {
  const ua = navigator.userAgent;
  const os = /Windows/.test(ua) ? 'wasapi' : /Mac OS X/.test(ua) ? 'coreaudio' : 'pulse';
  return [
    { name: MIC_STRIP.name, uuid: MIC_STRIP.id, kind: `${os}_input_capture`, strip: MIC_STRIP.id },
    { name: DESKTOP_STRIP.name, uuid: DESKTOP_STRIP.id, kind: `${os}_output_capture`, strip: DESKTOP_STRIP.id },
  ];
}

/**
 * Every input whose volume and mute a tool can set: the mixer's own, and the scene sources with a sound of their own
 * (a capture card's), by the source's name and uuid as GetInputList gives them (as in OBS, where a video capture
 * device is one input, picture and sound).
 */
function soundInputs(): { name: string; uuid: string; strip: string }[] {
  const camera = layerAudioWishes(useScenes.getState().history?.present).map((w) => ({
    name: w.name,
    uuid: sourceOfStrip(w.stripId)!,
    strip: w.stripId,
  }));
  return [...audioInputs(), ...camera];
}

/** OBS's volume pair for a fader position: the bottom notch is off (multiplier 0, -100 dB as OBS reports it). */
function volume(gainDb: number) {
  return gainDb <= GAIN_OFF_DB ? { inputVolumeMul: 0, inputVolumeDb: -100 } : { inputVolumeMul: dbToGain(gainDb), inputVolumeDb: gainDb };
}

/** The audio request's answer, or null when it is not one of these. */
export function answerMixerRequest(type: string, data: Record<string, unknown>): ControlAnswer | null {
  const inputs = audioInputs();
  const input = () => soundInputs().find((i) => i.name === data.inputName || i.uuid === data.inputUuid);
  switch (type) {
    case 'GetSpecialInputs':
      return ok({ desktop1: DESKTOP_STRIP.name, desktop2: null, mic1: MIC_STRIP.name, mic2: null, mic3: null, mic4: null });
    case 'GetInputList': {
      const kind = typeof data.inputKind === 'string' ? data.inputKind : null;
      const list = inputs.filter((i) => !kind || i.kind === kind);
      return ok({ inputs: list.map((i) => ({ inputName: i.name, inputUuid: i.uuid, inputKind: i.kind, unversionedInputKind: i.kind })) });
    }
    case 'GetInputMute':
    case 'SetInputMute':
    case 'ToggleInputMute':
    case 'GetInputVolume':
    case 'SetInputVolume':
      break;
    default:
      return null;
  }
  const i = input();
  if (!i) return fail(RequestStatus.ResourceNotFound, 'No audio input by that name: see GetInputList.');
  const mixer = useMixer.getState();
  const s = mixer.strip(i.strip);
  switch (type) {
    case 'GetInputMute':
      return ok({ inputMuted: s.muted });
    case 'SetInputMute':
      if (typeof data.inputMuted !== 'boolean') return fail(RequestStatus.InvalidRequestFieldType, '`inputMuted` must be true or false.');
      mixer.setStrip(i.strip, { muted: data.inputMuted });
      return ok();
    case 'ToggleInputMute':
      mixer.setStrip(i.strip, { muted: !s.muted });
      return ok({ inputMuted: !s.muted });
    case 'GetInputVolume':
      return ok(volume(s.gainDb));
    default: {
      const { inputVolumeDb: db, inputVolumeMul: mul } = data;
      if ((db === undefined) === (mul === undefined))
        return fail(RequestStatus.MissingRequestField, 'Give `inputVolumeDb` or `inputVolumeMul` (one of them).');
      if (db !== undefined && (typeof db !== 'number' || db < -100 || db > 26))
        return fail(RequestStatus.RequestFieldOutOfRange, '`inputVolumeDb` is -100 to 26.');
      if (mul !== undefined && (typeof mul !== 'number' || mul < 0 || mul > 20))
        return fail(RequestStatus.RequestFieldOutOfRange, '`inputVolumeMul` is 0 to 20.');
      const wanted = db !== undefined ? (db as number) : (mul as number) === 0 ? GAIN_OFF_DB : gainToDb(mul as number);
      // The Studio's fader goes from off to +20 dB; OBS's wider range is brought into it.
      mixer.setStrip(i.strip, { gainDb: Math.max(GAIN_OFF_DB, Math.min(GAIN_MAX_DB, wanted)) });
      return ok();
    }
  }
}

/**
 * InputVolumeMeters' `inputs` from the mixer's latest meter readings, in OBS's shape: per channel [magnitude, peak,
 * input peak] as multipliers (0 to 1, not dB), the RMS and peak after the fader and mute and the peak before them.
 * Every strip in the mixer is an input (its id is the inputUuid GetInputList gives); none before the mixer is made.
 */
export function volumeMeters(mixer: AudioMixer | null): Record<string, unknown>[] {
  return (mixer?.stripIds() ?? []).flatMap((id) => {
    const r = mixer!.latest(id);
    const name = mixer!.info(id)?.name;
    if (!r || !name) return [];
    const levels = r.peakDb.map((peak, c) => [dbToGain(r.rmsDb[c]), dbToGain(peak), dbToGain(r.inputPeakDb?.[c] ?? peak)]);
    return [{ inputName: name, inputUuid: sourceOfStrip(id) ?? id, inputLevelsMul: levels }];
  });
}

/** Sends InputMuteStateChanged and InputVolumeChanged for every change of the mixer's settings; returns the way to stop. */
export function followMixerForControl(emit: (eventType: string, intent: number, data: Record<string, unknown>) => void): () => void {
  return useMixer.subscribe((now, before) => {
    for (const i of soundInputs()) {
      const a = now.strips[i.strip];
      const b = before.strips[i.strip];
      if (!a || a === b) continue;
      if (a.muted !== (b?.muted ?? false))
        emit('InputMuteStateChanged', EventSubscription.Inputs, { inputName: i.name, inputUuid: i.uuid, inputMuted: a.muted });
      if (a.gainDb !== (b?.gainDb ?? 0))
        emit('InputVolumeChanged', EventSubscription.Inputs, { inputName: i.name, inputUuid: i.uuid, ...volume(a.gainDb) });
    }
  });
}
