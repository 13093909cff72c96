// The Studio's extra destinations (Twitch, YouTube, a friend's Onair): names, ingest URLs and keys, kept encrypted
// like the account's key (a SecretStore of their own, so signing out of Onair keeps them) and checked by the same
// rules the server applies to its restream destinations (server/restream/input.ts). The renderer sees masked keys.
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../../server/db/errors.js';
import { parseDestinationKey, parseDestinationName, parseDestinationUrl } from '../../../server/restream/input.js';
import type { RestreamTarget } from '../../broadcast/types.js';
import { maskKey, type InvokeReply, type InvokeRequest, type StudioDestination } from '../../ipc-contract.js';
import type { SecretStore } from './secret-store.js';

/** What is stored: each destination with its key, and whether it is on. */
export interface StoredDestination extends RestreamTarget {
  enabled: boolean;
}

/** At most this many extra destinations (each is one more upload of the whole stream). */
export const MAX_STUDIO_DESTINATIONS = 8;

export class DestinationError extends Error {
  readonly code = 'invalid_destination';
}

/** Checks a stored list read back from disk: anything malformed is dropped, never trusted. */
export function parseStoredDestinations(json: string): StoredDestination[] | null {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(v)) return null;
  const out: StoredDestination[] = [];
  for (const d of v.slice(0, MAX_STUDIO_DESTINATIONS)) {
    try {
      const o = d as Record<string, unknown>;
      if (typeof o.id !== 'string' || typeof o.enabled !== 'boolean') continue;
      out.push({
        id: o.id,
        name: parseDestinationName(o.name),
        url: parseDestinationUrl(o.url, true),
        key: parseDestinationKey(o.key),
        enabled: o.enabled,
      });
    } catch {
      continue;
    }
  }
  return out;
}

const visible = (d: StoredDestination): StudioDestination => ({ id: d.id, name: d.name, url: d.url, keyMasked: maskKey(d.key), enabled: d.enabled });

export class StudioDestinations {
  constructor(private readonly store: SecretStore<StoredDestination[]>) {}

  list(): StudioDestination[] {
    return this.all().map(visible);
  }

  /** The enabled ones, with their keys, for a broadcast. */
  targets(): RestreamTarget[] {
    return this.all()
      .filter((d) => d.enabled)
      .map(({ id, name, url, key }) => ({ id, name, url, key }));
  }

  /** Adds one (no id; a key required) or changes one (its id; the key only when given). */
  save(req: InvokeRequest<'destinations:save'>): InvokeReply<'destinations:save'> {
    const list = this.all();
    const at = req.id === undefined ? -1 : list.findIndex((d) => d.id === req.id);
    if (req.id !== undefined && at < 0) throw new DestinationError('There is no such destination (removed meanwhile?).');
    if (at < 0 && list.length >= MAX_STUDIO_DESTINATIONS)
      throw new DestinationError(`At most ${MAX_STUDIO_DESTINATIONS} extra destinations: remove one first.`);
    try {
      const previous = at >= 0 ? list[at] : undefined;
      if (!previous && req.key === undefined) throw new ValidationError('invalid_destination', "key is required: the destination's stream key.");
      const next: StoredDestination = {
        id: previous?.id ?? randomUUID(),
        name: parseDestinationName(req.name),
        url: parseDestinationUrl(req.url, true),
        key: req.key === undefined ? previous!.key : parseDestinationKey(req.key),
        enabled: req.enabled,
      };
      if (previous) list[at] = next;
      else list.push(next);
    } catch (err) {
      if (err instanceof ValidationError) throw new DestinationError(err.message);
      throw err;
    }
    this.store.set(list);
    return list.map(visible);
  }

  remove(id: string): StudioDestination[] {
    const list = this.all().filter((d) => d.id !== id);
    this.store.set(list);
    return list.map(visible);
  }

  private all(): StoredDestination[] {
    return [...(this.store.get() ?? [])];
  }
}
