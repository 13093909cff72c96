// The window's part of the remote control (obs-websocket, electron/main/core/control): main passes on the requests
// for what the window owns, and this answers them with the Studio's own actions, as a click would do them: going
// live and stopping, the mixer's inputs (control-mixer.ts), scenes and their inputs (control-scenes.ts), the video
// settings (control-video.ts). Main asks for the meters every 50 ms while a client subscribed to InputVolumeMeters,
// and only then. StartStream and StopStream come from main once it has answered the client or checked there is
// something to stop (control/obs-output.ts): the answer here says how the start or the stop ended. StartRecord comes
// when no stream runs: the encoder here starts for a recording alone (control/obs-record.ts).
import { recordingWrites } from '../../../electron/broadcast/types.js';
import { EventSubscription, RequestStatus } from '../../../electron/control-contract.js';
import { broadcastRuns, type ControlRequest } from '../../../electron/ipc-contract.js';
import { ok, type ControlAnswer } from './control-answers.js';
import { answerMixerRequest, followMixerForControl, volumeMeters } from './control-mixer.js';
import { answerScenesRequest, answerVendorRequest, followScenesForControl, sceneInputs } from './control-scenes.js';
import { answerVideoRequest } from './control-video.js';
import { call, onair } from './onair.js';
import { goLiveStarting, RECORD_WITH_FFMPEG, useStudio } from './store.js';
import { madeStudioMixer } from './studio-mixer.js';

async function start(): Promise<ControlAnswer> {
  await useStudio.getState().goLive();
  const { error } = useStudio.getState();
  return error ? { code: RequestStatus.RequestProcessingFailed, comment: error } : ok();
}

async function stop(): Promise<ControlAnswer> {
  await useStudio.getState().stop();
  const { error } = useStudio.getState();
  return error ? { code: RequestStatus.RequestProcessingFailed, comment: error } : ok();
}

async function record(): Promise<ControlAnswer> {
  // Main answers a StartRecord itself while live; here there is no stream, which ffmpeg encoding needs to record.
  if (useStudio.getState().mode !== 'engine') return { code: RequestStatus.InvalidResourceState, comment: RECORD_WITH_FFMPEG };
  await useStudio.getState().record();
  const { error, recording } = useStudio.getState();
  if (error) return { code: RequestStatus.RequestProcessingFailed, comment: error };
  return recordingWrites(recording) ? ok() : { code: RequestStatus.RequestProcessingFailed, comment: 'The recording could not start.' };
}

export async function answerControl(req: ControlRequest): Promise<ControlAnswer> {
  switch (req.requestType) {
    case 'StartStream':
      // A Go Live clicked here may be on its way before main has heard of it.
      return broadcastRuns(useStudio.getState().broadcast.kind) || goLiveStarting()
        ? { code: RequestStatus.OutputRunning, comment: 'The stream is already running.' }
        : start();
    case 'StartRecord':
      // Main passes it on with no stream running: the encoder here starts for a recording alone.
      return record();
    case 'StopStream':
      // Main saw something to stop; this window may not have heard of the start yet (its events wait behind the
      // work of starting): stopped all the same, after a start still on its way.
      return stop();
    case 'CallVendorRequest':
      return answerVendorRequest(req.requestData);
    case 'GetInputList': {
      const audio = answerMixerRequest(req.requestType, req.requestData)!;
      const kind = typeof req.requestData.inputKind === 'string' ? req.requestData.inputKind : null;
      return ok({ inputs: [...((audio.data?.inputs as unknown[]) ?? []), ...sceneInputs(kind)] });
    }
    default:
      return (
        answerMixerRequest(req.requestType, req.requestData) ??
        answerScenesRequest(req.requestType, req.requestData) ??
        answerVideoRequest(req.requestType, req.requestData) ?? {
          code: RequestStatus.UnknownRequestType,
          comment: `${req.requestType} is not available in this Studio yet.`,
        }
      );
  }
}

/** Answers main's control requests, and sends the window's events, from now on; returns the way to stop. */
export function answerControlRequests(): () => void {
  const send = (eventType: string, intent: number, data: Record<string, unknown>) =>
    void call('control:event', { eventType, intent, data }).catch(() => {});
  const unfollowMixer = followMixerForControl(send);
  const unfollowScenes = followScenesForControl(send);
  const off = onair.on('control:request', (req) => {
    void answerControl(req)
      .catch((err: unknown) => ({ code: RequestStatus.RequestProcessingFailed, comment: (err as Error)?.message ?? String(err) }))
      .then((a) => call('control:reply', { id: req.id, ...a }))
      .catch(() => {}); // main gave up waiting (its own timeout answers the client)
  });
  const offMeters = onair.on('control:meters', () =>
    send('InputVolumeMeters', EventSubscription.InputVolumeMeters, { inputs: volumeMeters(madeStudioMixer()) }),
  );
  return () => {
    off();
    offMeters();
    unfollowMixer();
    unfollowScenes();
  };
}
