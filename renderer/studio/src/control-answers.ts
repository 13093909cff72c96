// The window's answers to remote-control requests (control.ts and the modules it asks): obs-websocket's outcome of a
// request, worded as main words its own (electron/control-contract.ts).
import type { RequestResult } from '../../../electron/control-contract.js';

export { fail, ok } from '../../../electron/control-contract.js';

export type ControlAnswer = RequestResult;

/** An answer, rather than the value a helper found. */
export const isAnswer = (v: unknown): v is ControlAnswer => typeof v === 'object' && v !== null && 'code' in v;
