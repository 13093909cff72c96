// The Studio's main-process logic, without Electron: the handler of every IPC channel, over the account session
// (studio-session.ts: token and stream key held in main), the broadcast and recording it hosts (studio-live.ts), and
// the events it sends. electron/main/index.ts wraps it with ipcMain; the dev bridge
// (electron/dev-bridge) wraps the same object with HTTP. Requests reach it already validated by the contract.
import { PRESETS, type BroadcastHealth, type BroadcastState, type SourceSpec } from '../../broadcast/types.js';
import {
  type CaptureTarget,
  type CaptureTargetOption,
  type EventMap,
  type EventName,
  type InvokeChannel,
  type InvokeReply,
  type InvokeRequest,
  type IpcResult,
} from '../../ipc-contract.js';
import { ApiRequestError } from '../../../renderer/shared/api.js';
import { EngineSenderThread } from '../../broadcast/engine-sender-thread.js';
import type { PipelineLogger, PipelineModule } from './pipeline.js';
import { SecretStore } from './secret-store.js';
import { StudioError } from './studio-error.js';
import { StudioSession } from './studio-session.js';
import { DestinationError, parseStoredDestinations, StudioDestinations, type StoredDestination } from './studio-destinations.js';
import { parseControlSettings, StudioControl, type ControlSettings } from './control/studio-control.js';
import { ScenesFile, ScenesFileError } from './scenes-file.js';
import { parseStoredVertical, StudioVerticalDestination, type StoredVertical } from './vertical-destination.js';
import { listSources, snapshot, SourceError, type HostSources } from './sources.js';
import { studioInvite } from './studio-invite.js';
import { defaultRecordPath } from '../../broadcast/record-file.js';
import { broadcastSettings, engineRecordSettings, engineSenderSettings } from './studio-broadcast.js';
import { liveMetrics, monitorSource, phoneSetup, serverView } from './studio-channel.js';
import type { FeedRequest } from '../../source-feed.js';
import { SourceFeeds, type FeedHandle, type FeedSend, type SourceFeedsOptions } from './source-feeds.js';
import { StudioLive } from './studio-live.js';

export { StudioError };

export interface StudioCoreOptions {
  ffmpegPath: string;
  store: SecretStore;
  /** The extra destinations, encrypted like `store` (in memory only when absent). */
  destinationStore?: SecretStore<StoredDestination[]>;
  /** Where the vertical output goes (another server's key), encrypted like `store` (in memory only when absent). */
  verticalStore?: SecretStore<StoredVertical>;
  /** The remote control's settings (its password), encrypted like `store` (in memory only when absent). */
  controlStore?: SecretStore<ControlSettings>;
  /** Tests: the control server on any free port, whatever the settings say. */
  controlPortOverride?: number;
  pipeline: PipelineModule;
  /** Sends an event to the window (or the bridge's listeners). */
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  /** Where the renderer's chat socket connects, given the Onair server URL. */
  chatBaseUrl(serverUrl: string): string;
  /** Displays and windows the host can enumerate (Electron's screen / desktopCapturer). */
  hostSources?: () => Promise<HostSources>;
  /** The screens and windows a screen layer may capture, for the picker (Electron's desktopCapturer); none: []. */
  captureTargets?: () => Promise<CaptureTargetOption[]>;
  logger?: PipelineLogger;
  fetch?: typeof fetch;
  /** Where the scenes are kept (a JSON file in the app's data folder); without it they are not saved. */
  scenesFile?: string;
  /** The phone layers' adb and screenrecord restart interval, and where web page layers are rendered. */
  feeds?: SourceFeedsOptions;
}

type Handlers = { [C in InvokeChannel]: (req: InvokeRequest<C>) => Promise<InvokeReply<C>> };

const noopLogger: PipelineLogger = { info() {}, warn() {}, error() {} };

export class StudioCore {
  /** The broadcast this Studio hosts, its state and figures. */
  private readonly live: StudioLive;
  private encoders: Promise<string[]> | null = null;
  /** The snapshot being taken, which a request for the same source shares; the next one waits for it. */
  private snap?: { key: string; frame: Promise<string> };
  /** An invite:link in progress, which a second click shares (one invite, not two). */
  private inviteLink?: Promise<InvokeReply<'invite:link'>>;
  private readonly log: PipelineLogger;
  private readonly destinations: StudioDestinations;
  private readonly verticalDestination: StudioVerticalDestination;
  /** The obs-websocket remote control (off unless the user turned it on). */
  readonly control: StudioControl;
  private readonly scenes: ScenesFile | null;
  /** The account: its secrets, what the window is told of them, signing in and out. */
  private readonly account: StudioSession;

  constructor(private readonly o: StudioCoreOptions) {
    this.log = o.logger ?? noopLogger;
    this.account = new StudioSession({ store: o.store, emit: o.emit, fetch: o.fetch });
    this.scenes = o.scenesFile ? new ScenesFile(o.scenesFile) : null;
    this.feeds = new SourceFeeds(o.feeds ?? {});
    this.destinations = new StudioDestinations(o.destinationStore ?? new SecretStore(null, null, parseStoredDestinations));
    this.verticalDestination = new StudioVerticalDestination(o.verticalStore ?? new SecretStore(null, null, parseStoredVertical));
    this.live = new StudioLive({
      emit: o.emit,
      onState: (s, active) => this.control.broadcastState(s, active),
      onRecording: (r) => this.control.recordingChanged(r),
    });
    this.control = new StudioControl({
      store: o.controlStore ?? new SecretStore(null, null, parseControlSettings),
      emit: o.emit,
      portOverride: o.controlPortOverride,
      main: {
        status: () => this.live.status(),
        output: () => this.live.output(),
        service: () => {
          const s = this.o.store.get();
          return s ? { server: s.rtmpUrl, key: s.streamKey } : null;
        },
        useCustomServer: async (rtmpUrl, streamKey) => void (await this.handlers['session:useCustom']({ rtmpUrl, streamKey })),
        vertical: {
          view: () => this.verticalDestination.view(),
          check: (change) => void this.verticalDestination.check(change),
          set: (change) => this.handlers['vertical:setDestination'](change),
        },
      },
      recording: {
        figures: () => this.live.record(),
        refusal: (start) => this.live.recordRefusal(start),
        streaming: () => this.live.active,
        start: async () => (await this.live.startRecording()).recording,
        stop: async () => (await this.live.stopRecording()).recording,
      },
    });
  }

  /** Runs a validated request; every failure becomes a plain-words IpcError. */
  async handle<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<IpcResult<InvokeReply<C>>> {
    try {
      const fn = this.handlers[channel] as (r: InvokeRequest<C>) => Promise<InvokeReply<C>>;
      return { ok: true, value: await fn(request) };
    } catch (err) {
      if (err instanceof StudioError) return { ok: false, error: { code: err.code, message: err.message } };
      if (err instanceof ApiRequestError) return { ok: false, error: { code: `api_${err.code}`, message: err.message } };
      if (err instanceof SourceError) return { ok: false, error: { code: 'source_failed', message: err.message } };
      if (err instanceof DestinationError) return { ok: false, error: { code: err.code, message: err.message } };
      if (err instanceof ScenesFileError) return { ok: false, error: { code: err.code, message: err.message } };
      this.log.error({ channel, err: (err as Error)?.message }, 'studio handler failed');
      return { ok: false, error: { code: 'failed', message: 'Something went wrong in Onair Studio; try again.' } };
    }
  }

  /** The bearer token for a request to `url`, when it goes to the signed-in server (chat header injection). */
  bearerFor(url: string): string | null {
    return this.account.bearerFor(url);
  }

  serverUrl(): string | null {
    return this.account.serverUrl();
  }

  get broadcastState(): BroadcastState {
    return this.live.state;
  }

  /** Whether a stream or a recording runs: the machine stays awake and the window unthrottled meanwhile. */
  get busy(): boolean {
    return this.live.busy;
  }

  get lastHealth(): BroadcastHealth | null {
    return this.live.health;
  }

  /**
   * One message from the engine's media channel (MessagePort or the dev bridge's WebSocket). Dropped unless an
   * engine broadcast runs; a malformed message is logged (without its bytes) and dropped.
   */
  engineChunk(message: ArrayBuffer | ArrayBufferView): void {
    this.live.engineChunk(message);
  }

  /** The engine's media channel closed (the window's encoders stopped, or the window went). */
  engineChannelClosed(): void {
    this.live.engineChannelClosed();
  }

  /** What the window's next getDisplayMedia captures ('capture:choose'), until main answers it. */
  private captureTarget: CaptureTarget | null = null;

  /** The screen or window the window asked for with its getDisplayMedia just now (null: the first screen); once. */
  takeCaptureTarget(): CaptureTarget | null {
    const t = this.captureTarget;
    this.captureTarget = null;
    return t;
  }

  /** The feeds open now (phones, web pages), each held by a layer source in a window. */
  private readonly feeds: SourceFeeds;

  /**
   * Opens what a layer's source needs from main (electron/source-feed.ts says what `send` gets); the window's channel
   * closing closes it. Request checked by the caller (isFeedRequest).
   */
  openFeed(req: FeedRequest, send: FeedSend): FeedHandle {
    return this.feeds.start(req, send);
  }

  /** Stops a running broadcast, the layers' feeds and the control server (app quit, bridge close). */
  async dispose(): Promise<void> {
    this.feeds.closeAll();
    await this.control.close();
    await this.live.dispose();
  }

  // ---------------------------------------------------------------- helpers

  /** One frame of a source; concurrent requests for the same source share one ffmpeg, others take turns. */
  private takeSnapshot(source: SourceSpec): Promise<string> {
    const key = JSON.stringify(source);
    if (this.snap?.key === key) return this.snap.frame;
    const before = this.snap?.frame.catch(() => undefined);
    const frame = (async () => {
      await before;
      return snapshot(this.o.ffmpegPath, source);
    })();
    const entry = { key, frame };
    this.snap = entry;
    const clear = () => {
      if (this.snap === entry) this.snap = undefined;
    };
    entry.frame.then(clear, clear);
    return entry.frame;
  }

  private readonly handlers: Handlers = {
    'session:get': async () => this.account.info(),
    'session:signIn': async (req) => this.account.signIn(req),
    'session:useCustom': async ({ rtmpUrl, streamKey }) => this.account.useCustom(rtmpUrl, streamKey),
    'session:signOut': async () => this.account.signOut(),
    'session:revealKey': async () => ({ streamKey: this.account.secrets().streamKey }),

    'sources:list': async () => listSources(this.o.ffmpegPath, (await this.o.hostSources?.().catch(() => ({}))) ?? {}),

    'encoders:list': async () => {
      this.encoders ??= this.o.pipeline.probeEncoders(this.o.ffmpegPath).catch(() => []);
      const found = await this.encoders;
      return { encoders: found.length ? found : ['libx264'], presets: Object.keys(PRESETS) };
    },

    'preview:snapshot': async ({ source }) => {
      // While live the broadcast owns the source (a camera opens once): the picture is the program's.
      if (this.live.active) {
        const frame = this.live.programFrame;
        if (!frame) throw new StudioError('preview_pending', 'The first picture of the stream is on its way.');
        return { dataUrl: frame };
      }
      return { dataUrl: await this.takeSnapshot(source) };
    },

    'broadcast:start': async ({ settings }) => {
      // A snapshot still holding the source (a camera) would keep the broadcast from opening it. Waited for before the
      // check below: from there to the broadcast's start nothing yields, so two clicks cannot start two broadcasts.
      await this.snap?.frame.catch(() => undefined);
      if (this.live.active) throw new StudioError('busy', 'You are already live. Stop first to change the settings.');
      if (this.live.recordingAlone && settings.mode !== 'engine')
        throw new StudioError(
          'busy',
          'The Studio is recording with its own encoder: go live with Encode with: This app, or stop the recording first.',
        );
      const full = broadcastSettings(settings, this.account.secrets(), this.destinations.targets());
      // A recording running alone goes on beside the stream: the stream records nothing of its own.
      const recordPath = this.live.recordingAlone ? undefined : full.recordPath;
      const b =
        settings.mode === 'engine'
          ? new EngineSenderThread(
              {
                ...engineSenderSettings(full, settings, this.verticalDestination.target()),
                ffmpegPath: this.o.ffmpegPath,
                recordPath,
              },
              this.log,
            )
          : this.o.pipeline.createBroadcast(full, { ffmpegPath: this.o.ffmpegPath, logger: this.log });
      return this.live.start(b, recordPath);
    },

    'broadcast:stop': async () => this.live.stop(),

    'broadcast:status': async () => this.live.status(),

    'recording:start': async (req) => {
      const refusal = this.live.recordRefusal(true);
      if (refusal) throw new StudioError(refusal.code, refusal.message);
      if (this.live.active) return this.live.startRecording(req?.path);
      if (req?.settings?.mode !== 'engine')
        throw new StudioError(
          'not_live',
          'Recording without a stream needs the Studio’s own encoder: choose Encode with: This app, or go live first.',
        );
      const settings = { ...engineRecordSettings(req.settings), ffmpegPath: this.o.ffmpegPath, recordPath: req.path ?? defaultRecordPath() };
      return this.live.recordAlone(new EngineSenderThread(settings, this.log));
    },

    'recording:stop': async () => {
      const refusal = this.live.recordRefusal(false);
      if (refusal) throw new StudioError(refusal.code, refusal.message);
      return this.live.stopRecording();
    },

    'destinations:list': async () => this.destinations.list(),
    'destinations:save': async (req) => this.destinations.save(req),
    'destinations:remove': async ({ id }) => this.destinations.remove(id),

    'vertical:destination': async () => this.verticalDestination.view(),
    'vertical:setDestination': async (change) => {
      if (this.live.active)
        throw new StudioError('busy', 'Stop the stream before changing where the vertical output goes; it applies from the next Go Live.');
      const view = this.verticalDestination.set(change);
      this.o.emit('vertical:destination', view);
      return view;
    },

    'control:get': async () => this.control.info(),
    'control:set': async (req) => this.control.configure(req),
    'control:reply': async ({ id, code, comment, data }) => (this.control.reply(id, { code, comment, data }), {}),
    'control:event': async ({ eventType, intent, data }) => (this.control.event(eventType, intent, data), {}),

    'invite:link': async () => {
      const { secrets: s, api } = this.account.account();
      this.inviteLink ??= studioInvite(api, s.invite, (invite) => {
        // Only onto the account that asked: a sign-out or another sign-in meanwhile keeps its own secrets.
        const now = this.o.store.get();
        if (now?.mode === 'onair' && now.token === s.token) this.o.store.set({ ...now, invite });
      }).finally(() => (this.inviteLink = undefined));
      return this.inviteLink;
    },

    'phone:setup': async () => phoneSetup(this.account.secrets()),

    'channel:serverView': async () => {
      return serverView(this.account.account().api);
    },

    'channel:liveMetrics': async () => {
      return liveMetrics(this.account.account().api);
    },

    'monitor:source': async () => {
      const { secrets, api } = this.account.account();
      return monitorSource(secrets, api);
    },

    'scenes:load': async () => ({ json: this.scenes ? await this.scenes.load() : null }),

    'scenes:save': async ({ json }) => {
      if (!this.scenes) throw new StudioError('no_storage', 'Scenes cannot be saved here (no data folder).');
      await this.scenes.save(json);
      return { saved: true as const };
    },

    'capture:targets': async () => ({ targets: (await this.o.captureTargets?.()) ?? [] }),

    'capture:choose': async ({ target }) => {
      this.captureTarget = target;
      return {};
    },

    'chat:endpoint': async () => {
      const s = this.account.onair();
      return { baseUrl: this.o.chatBaseUrl(s.serverUrl), channel: s.channel, viewerUrl: `${s.serverUrl}/c/${encodeURIComponent(s.channel)}` };
    },
  };
}

export { larixLink } from './studio-channel.js';
