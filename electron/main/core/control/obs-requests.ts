// What each obs-websocket request does in the Studio. The stream's state, its figures and the server settings live in
// main and are answered here; going live and stopping are main's answers too (obs-output.ts), the window doing the
// work as Go Live does, and so is recording (obs-record.ts); everything else the window's engine owns (scenes, inputs, the mixer, Onair's vendor requests
// but for the vertical output's destination) is passed to the window, which answers (renderer/studio/src/control.ts).
import { maskKey } from '../../../ipc-contract.js';
import type { BroadcastStatus, VerticalDestination, VerticalDestinationChange } from '../../../ipc-contract.js';
import type { OutputFigures } from '../studio-live.js';
import type { ObsOutput } from './obs-output.js';
import type { ObsRecord } from './obs-record.js';
import { onairVendorRequest } from './obs-vertical.js';
import { fail, ok, OBS_WEBSOCKET_VERSION, RequestStatus, RPC_VERSION, type RequestResult } from './obs-protocol.js';

/** What the requests answered in main need from the Studio. */
export interface MainSide {
  status(): BroadcastStatus;
  /** The stream output's figures (GetStreamStatus). */
  output(): OutputFigures;
  /** StartStream, StopStream, ToggleStream. */
  stream: Pick<ObsOutput, 'start' | 'stop' | 'toggle'>;
  /** GetRecordStatus, StartRecord, StopRecord, ToggleRecord. */
  record: Pick<ObsRecord, 'status' | 'start' | 'stop' | 'toggle'>;
  /** The RTMP server and key in use (custom or the Onair account's), or null when signed out. */
  service(): { server: string; key: string } | null;
  useCustomServer(server: string, key: string): Promise<void>;
  /** Where the vertical output goes: as the window sees it, a change checked (throws its reason), a change made. */
  vertical: {
    view(): VerticalDestination;
    check(change: VerticalDestinationChange): void;
    set(change: VerticalDestinationChange): Promise<VerticalDestination>;
  };
  /** Passes a request to the window's engine; resolves with its answer. */
  forward(requestType: string, requestData: Record<string, unknown>): Promise<RequestResult>;
}

/** Requests the window's engine answers (forwarded as they are). */
export const WINDOW_REQUESTS = [
  'GetSceneList',
  'GetCurrentProgramScene',
  'SetCurrentProgramScene',
  'CreateScene',
  'RemoveScene',
  'GetSceneItemList',
  'SetSceneItemEnabled',
  'CreateInput',
  'RemoveInput',
  'GetInputList',
  'GetSpecialInputs',
  'GetInputSettings',
  'SetInputSettings',
  'GetInputMute',
  'SetInputMute',
  'ToggleInputMute',
  'GetInputVolume',
  'SetInputVolume',
  'GetVideoSettings',
  'SetVideoSettings',
  'CallVendorRequest',
] as const;

const MAIN_REQUESTS = [
  'GetVersion',
  'GetStreamStatus',
  'StartStream',
  'StopStream',
  'ToggleStream',
  'GetRecordStatus',
  'StartRecord',
  'StopRecord',
  'ToggleRecord',
  'GetStreamServiceSettings',
  'SetStreamServiceSettings',
] as const;

export const SUPPORTED_REQUESTS: readonly string[] = [...MAIN_REQUESTS, ...WINDOW_REQUESTS].sort();

/** HH:MM:SS.mmm, as obs-websocket gives output timecodes. */
export function timecode(ms: number): string {
  const t = Math.max(0, Math.floor(ms));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(t / 3_600_000))}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)}.${pad(t % 1000, 3)}`;
}

export async function handleRequest(side: MainSide, requestType: string, data: Record<string, unknown>): Promise<RequestResult> {
  switch (requestType) {
    case 'GetVersion':
      return ok({
        // The OBS release whose requests these answers follow, for tools that check it; what runs is Onair Studio.
        obsVersion: '30.2.0',
        obsWebSocketVersion: OBS_WEBSOCKET_VERSION,
        rpcVersion: RPC_VERSION,
        availableRequests: SUPPORTED_REQUESTS,
        supportedImageFormats: [],
        platform: process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : 'linux',
        platformDescription: 'Onair Studio',
      });
    case 'GetStreamStatus': {
      // Active only once live (not while starting), and through reconnects after that, as OBS's output is.
      const f = side.output();
      return ok({
        outputActive: f.active,
        outputReconnecting: f.reconnecting,
        outputTimecode: timecode(f.durationMs),
        outputDuration: f.durationMs,
        outputCongestion: f.congestion,
        outputBytes: f.bytes,
        outputSkippedFrames: f.skippedFrames,
        outputTotalFrames: f.totalFrames,
      });
    }
    case 'StartStream':
      return side.stream.start();
    case 'StopStream':
      return side.stream.stop();
    case 'ToggleStream':
      return side.stream.toggle();
    case 'GetRecordStatus':
      return side.record.status();
    case 'StartRecord':
      return side.record.start();
    case 'StopRecord':
      return side.record.stop();
    case 'ToggleRecord':
      return side.record.toggle();
    case 'GetStreamServiceSettings': {
      const s = side.service();
      // The key is write-only here: a control client can set it, never read it back (masked, like the window shows it).
      return ok({ streamServiceType: 'rtmp_custom', streamServiceSettings: s ? { server: s.server, key: maskKey(s.key) } : {} });
    }
    case 'SetStreamServiceSettings': {
      if (data.streamServiceType !== 'rtmp_custom')
        return fail(RequestStatus.InvalidRequestField, 'Only `rtmp_custom` (a server URL and a key) is supported: Onair Studio has no service list.');
      const settings = data.streamServiceSettings as Record<string, unknown> | undefined;
      const server = settings?.server;
      const key = settings?.key;
      if (typeof server !== 'string' || !/^rtmps?:\/\/[^/\s]+/.test(server))
        return fail(RequestStatus.InvalidRequestField, '`streamServiceSettings.server` must be an rtmp:// or rtmps:// URL.');
      if (typeof key !== 'string' || !key || /[\s\u0000-\u001f]/.test(key))
        return fail(RequestStatus.InvalidRequestField, '`streamServiceSettings.key` must be the stream key.');
      if (side.status().state.kind === 'live') return fail(RequestStatus.OutputRunning, 'Stop the stream before changing where it goes.');
      await side.useCustomServer(server, key);
      return ok();
    }
    case 'CallVendorRequest':
      // The vertical output's destination is main's (its key never goes to the window); the rest is the window's.
      return data.vendorName === 'onair' ? onairVendorRequest(side, data) : side.forward(requestType, data);
    default:
      if ((WINDOW_REQUESTS as readonly string[]).includes(requestType)) return side.forward(requestType, data);
      return fail(RequestStatus.UnknownRequestType, `Onair Studio does not support ${requestType} (see docs/STUDIO-API.md for what it does).`);
  }
}
