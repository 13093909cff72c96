// Onair's vendor requests (CallVendorRequest, vendorName `onair`) as main sees them. The vertical output's switch and
// size are the window's (renderer/studio/src/control-scenes.ts answers them); where it goes is main's, since the other
// server's key is a secret main keeps. So SetVerticalOutput's `destination` is taken out here, checked, and made once
// the window has accepted the rest (a refused size changes nothing); every answer gets `destination` added: null for
// this Onair channel's vertical rendition, else `{ host }`. Never the key, nor the URL's path (some services put the
// key there).
import { broadcastRuns, type VerticalDestination, type VerticalDestinationChange } from '../../../ipc-contract.js';
import { fail, ok, RequestStatus, type RequestResult } from './obs-protocol.js';
import type { MainSide } from './obs-requests.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a control client is told of the destination. */
export function destinationAnswer(d: VerticalDestination): { host: string } | null {
  return d.use === 'rtmp' && d.rtmp ? { host: d.rtmp.host } : null;
}

/** SetVerticalOutput's `destination`: null (the channel), `{ server, key }`, or the reason it is neither. */
function destinationChange(v: unknown): VerticalDestinationChange | string {
  if (v === null) return { use: 'channel' };
  const fields = isObj(v) ? Object.keys(v) : [];
  if (!isObj(v) || !fields.every((k) => k === 'server' || k === 'key') || !fields.includes('server'))
    return '`destination` is `{ server, key }` (an rtmp:// or rtmps:// server URL and its stream key), or null for this Onair channel.';
  if (typeof v.server !== 'string') return '`destination.server` is an rtmp:// or rtmps:// URL.';
  if (v.key !== undefined && typeof v.key !== 'string') return '`destination.key` is the stream key, a string.';
  return { use: 'rtmp', url: v.server, ...(v.key !== undefined && { key: v.key as string }) };
}

export async function onairVendorRequest(side: MainSide, data: Record<string, unknown>): Promise<RequestResult> {
  const req = isObj(data.requestData) ? data.requestData : {};
  const { destination, ...rest } = req;
  let change: VerticalDestinationChange | null = null;
  if (data.requestType === 'SetVerticalOutput' && destination !== undefined) {
    const parsed = destinationChange(destination);
    if (typeof parsed === 'string') return fail(RequestStatus.InvalidRequestField, parsed);
    try {
      side.vertical.check(parsed);
    } catch (err) {
      return fail(RequestStatus.InvalidRequestField, (err as Error).message);
    }
    if (broadcastRuns(side.status().state.kind))
      return fail(RequestStatus.OutputRunning, 'Stop the stream before changing the vertical output; it applies from the next Go Live.');
    change = parsed;
  }
  // The window never sees the destination (nor its key): only the switch and the size are its.
  const r = await side.forward('CallVendorRequest', { ...data, requestData: rest });
  const answered = r.data && isObj(r.data.responseData) ? r.data : null;
  if (r.code !== RequestStatus.Success || !answered || !['GetVerticalOutput', 'SetVerticalOutput'].includes(String(data.requestType))) return r;
  try {
    const view = change ? await side.vertical.set(change) : side.vertical.view();
    return ok({ ...answered, responseData: { ...(answered.responseData as object), destination: destinationAnswer(view) } });
  } catch (err) {
    // Went live between the check and now: the switch and size are the window's and stand; the destination did not change.
    return fail(RequestStatus.OutputRunning, (err as Error).message);
  }
}
