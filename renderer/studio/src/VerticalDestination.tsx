// Where the vertical output goes, under its switch: this Onair channel's vertical rendition (the default), or another
// RTMP server with its own stream key (TikTok, YouTube Shorts), as Aitum Vertical's own stream settings in OBS. Main
// keeps the key, encrypted like the multistream keys: the window sends it once and then sees it masked, and the field
// is emptied once saved. Changes are refused while live, as the size is.
import { useEffect, useState, type FormEvent } from 'react';
import type { VerticalDestinationChange } from '../../../electron/ipc-contract.js';
import { call } from './onair.js';
import { useVerticalOutput } from './vertical-output.js';

export function VerticalDestinationPicker({ live }: { live: boolean }) {
  const dest = useVerticalOutput((s) => s.destination);
  const setDestination = useVerticalOutput((s) => s.setDestination);
  // "Another RTMP destination" picked but not saved yet: the form shows, main still sends to the channel.
  const [choosing, setChoosing] = useState(false);
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setUrl(dest?.rtmp?.url ?? ''), [dest?.rtmp?.url]);

  const change = async (c: VerticalDestinationChange): Promise<boolean> => {
    try {
      setDestination(await call('vertical:setDestination', c));
      setProblem(null);
      return true;
    } catch (e) {
      setProblem((e as Error).message);
      return false;
    }
  };
  const pick = (use: string) => {
    setProblem(null);
    if (use === 'channel') return void change({ use: 'channel' }).then((done) => done && setChoosing(false));
    // A server kept from before is used again at once; a first one waits for its URL and key.
    if (dest?.rtmp) void change({ use: 'rtmp' });
    else setChoosing(true);
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    // No key typed: the kept one (main keeps it only for the same host, and says so otherwise).
    if (await change({ use: 'rtmp', url: url.trim(), ...(key ? { key } : {}) })) {
      setKey('');
      setChoosing(false);
    }
  };
  const rtmp = dest?.use === 'rtmp' || choosing;

  return (
    <div className="vertical-destination">
      <label>
        Send to
        <select value={rtmp ? 'rtmp' : 'channel'} disabled={live || !dest} onChange={(e) => pick(e.target.value)} data-testid="vertical-destination">
          <option value="channel">This Onair channel (vertical rendition)</option>
          <option value="rtmp">Another RTMP destination</option>
        </select>
      </label>
      {rtmp && (
        <form onSubmit={(e) => void save(e)} aria-label="Vertical destination" className="row3">
          <input
            aria-label="Vertical server URL"
            required
            value={url}
            disabled={live}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="rtmps://…/app"
          />
          <input
            aria-label="Vertical stream key"
            type="password"
            autoComplete="off"
            value={key}
            disabled={live}
            onChange={(e) => setKey(e.target.value)}
            placeholder={dest?.rtmp ? `${dest.rtmp.keyMasked} (kept)` : 'Stream key'}
          />
          <button type="submit" disabled={live}>
            Save
          </button>
        </form>
      )}
      {dest?.use === 'rtmp' && dest.rtmp && !choosing && (
        <p className="small muted" data-testid="vertical-destination-summary">
          Sends to {dest.rtmp.host}, key {dest.rtmp.keyMasked}
        </p>
      )}
      {problem && (
        <p className="studio__error" role="alert" data-testid="vertical-destination-problem">
          {problem}
        </p>
      )}
    </div>
  );
}
