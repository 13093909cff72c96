// RTMP play asks the one access decision HTTP media asks: public channels play; others need `?t=<media token>` on
// the stream name (rtmp://HOST/live/<channel>?t=…). Access comes before liveness, as for HTTP: whether a private
// channel is live is itself private. A player already playing is asked again when access is taken back.
import type { PlayDecision, PlayRequest } from '../rtmp/types.js';
import type { AccessControl } from './access.js';

/** Longest channel name looked up. */
const MAX_CHANNEL_CHARS = 64;

const mediaTokenOf = (query: string) => new URLSearchParams(query).get('t') ?? undefined;

export function rtmpPlayAccess(access: AccessControl) {
  return {
    /** The RTMP play hook. */
    async authorize(req: PlayRequest): Promise<PlayDecision> {
      if (req.app !== 'live') return { ok: false, code: 'not_found', reason: 'Play from the "live" application: rtmp://HOST/live/<channel>.' };
      const info = req.name.length <= MAX_CHANNEL_CHARS ? await access.channel(req.name) : null;
      if (!info) return { ok: false, code: 'not_found', reason: 'No such channel is live.' };
      if (!(await access.mediaAllowed(info, { mediaToken: mediaTokenOf(req.query) }))) {
        return {
          ok: false,
          code: 'forbidden',
          reason: `${info.name} is a private channel: play it with a media link (rtmp://HOST/live/${info.name}?t=<media token>).`,
        };
      }
      return { ok: true, channel: info.name };
    },
    /** Whether a player of `channel` that asked with `query` may still watch. */
    async stillAllowed(channel: string, query: string): Promise<boolean> {
      const info = await access.channel(channel);
      return !!info && (await access.mediaAllowed(info, { mediaToken: mediaTokenOf(query) }));
    },
  };
}
