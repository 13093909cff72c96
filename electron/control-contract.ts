// obs-websocket 5's request status codes and event subscription bits: what main's control server
// (electron/main/core/control) and the window's answers (renderer/studio/src/control.ts) both speak. Plain data,
// and the two pure helpers that word a request's outcome.

export const RequestStatus = {
  Success: 100,
  MissingRequestType: 203,
  UnknownRequestType: 204,
  GenericError: 205,
  UnsupportedRequestBatchExecutionType: 206,
  MissingRequestField: 300,
  InvalidRequestField: 400,
  InvalidRequestFieldType: 401,
  RequestFieldOutOfRange: 402,
  RequestFieldEmpty: 403,
  OutputRunning: 500,
  OutputNotRunning: 501,
  ResourceNotFound: 600,
  ResourceAlreadyExists: 601,
  InvalidResourceType: 602,
  InvalidResourceState: 604,
  InvalidInputKind: 605,
  ResourceCreationFailed: 700,
  ResourceActionFailed: 701,
  RequestProcessingFailed: 702,
  CannotAct: 703,
} as const;

export const EventSubscription = {
  General: 1 << 0,
  Config: 1 << 1,
  Scenes: 1 << 2,
  Inputs: 1 << 3,
  Transitions: 1 << 4,
  Filters: 1 << 5,
  Outputs: 1 << 6,
  SceneItems: 1 << 7,
  MediaInputs: 1 << 8,
  Vendors: 1 << 9,
  Ui: 1 << 10,
  /** Every low-volume category: what a client gets when it names none. */
  All: (1 << 11) - 1,
  InputVolumeMeters: 1 << 16,
  InputActiveStateChanged: 1 << 17,
  InputShowStateChanged: 1 << 18,
  SceneItemTransformChanged: 1 << 19,
} as const;

/** A request's outcome as obs-websocket words it: a status code, a comment for failures, data for successes. */
export interface RequestResult {
  code: number;
  comment?: string;
  data?: Record<string, unknown>;
}

export const ok = (data?: Record<string, unknown>): RequestResult => ({ code: RequestStatus.Success, ...(data && { data }) });
export const fail = (code: number, comment: string): RequestResult => ({ code, comment });
