// Streaming from a phone: the server and key as a Larix Broadcaster link and its QR code (asked of main explicitly,
// like revealing the key: both contain the key).
import { useState } from 'react';
import { call } from './onair.js';

export function Phone() {
  const [setup, setSetup] = useState<{ rtmpUrl: string; larixLink: string; qrSvgDataUrl: string } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const toggle = async () => {
    if (setup) return setSetup(null);
    try {
      setSetup(await call('phone:setup', {}));
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <details className="phone">
      <summary>Stream from a phone</summary>
      <p className="small">
        Install Larix Broadcaster (Android, iOS), then scan this code with the phone's camera (or open the link on the phone): it adds your server and
        key. The code and the link contain your stream key: share them with no one.
      </p>
      <button type="button" onClick={() => void toggle()}>
        {setup ? 'Hide phone setup' : 'Show phone setup'}
      </button>
      {setup && (
        <>
          <p className="small">
            Server: <code>{setup.rtmpUrl}</code>
          </p>
          <img
            className="phone__qr"
            src={setup.qrSvgDataUrl}
            alt="QR code that sets up Larix Broadcaster with your server and key"
            width={220}
            height={220}
          />
          <textarea readOnly className="phone__link" value={setup.larixLink} data-testid="larix-link" rows={4} />
        </>
      )}
      {err && <p className="studio__error">{err}</p>}
    </details>
  );
}
