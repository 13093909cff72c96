// Which screen or window a screen layer shows (OBS's display and window capture, one kind here): the selected layer's
// current choice and a picker of what main lists, each with a small picture of it. Where main lists nothing (a plain
// browser), the browser's own picker asks when the layer starts, and the panel says so.
import { useState } from 'react';
import type { CaptureTarget, CaptureTargetOption } from '../../../../electron/ipc-contract.js';
import { call } from '../onair.js';
import { useScenes } from './store.js';

const describe = (t: CaptureTarget | undefined) => (!t ? 'the first screen' : `${t.type === 'window' ? 'window' : 'screen'} "${t.name}"`);

export function CapturePicker({ sourceId, target }: { sourceId: string; target: CaptureTarget | undefined }) {
  const exec = useScenes((s) => s.exec);
  const [options, setOptions] = useState<CaptureTargetOption[] | null>(null);
  const [state, setState] = useState<'closed' | 'loading' | 'open' | 'none'>('closed');
  const [error, setError] = useState<string | null>(null);

  const open = () => {
    setState('loading');
    setError(null);
    call('capture:targets', {}).then(
      ({ targets }) => {
        setOptions(targets);
        setState(targets.length ? 'open' : 'none');
      },
      (err: Error) => {
        setError(`The screens and windows could not be listed: ${err.message}`);
        setState('closed');
      },
    );
  };
  const choose = (t: CaptureTargetOption) => {
    // The source reopens with its new settings: main is told the target just before its getDisplayMedia.
    exec({ type: 'updateSource', sourceId, settings: { kind: 'screen', target: { type: t.type, id: t.id, name: t.name } } });
    setState('closed');
  };
  const group = (type: CaptureTarget['type'], title: string) => {
    const list = (options ?? []).filter((o) => o.type === type);
    if (!list.length) return null;
    return (
      <div className="capture-picker__group" role="group" aria-label={title}>
        <h4>{title}</h4>
        <div className="capture-picker__grid">
          {list.map((o) => (
            <button key={o.id} type="button" className="capture-picker__option" onClick={() => choose(o)} data-capture-target={o.id}>
              {o.thumbnail ? <img src={o.thumbnail} alt="" width={160} height={90} /> : <span className="capture-picker__blank" />}
              <span>{o.name}</span>
            </button>
          ))}
        </div>
      </div>
    );
  };

  return (
    <fieldset className="capture-picker" aria-label="Screen or window">
      <legend>Shows</legend>
      <p data-testid="capture-target">
        {describe(target)}{' '}
        <button type="button" onClick={open} disabled={state === 'loading'}>
          Choose screen or window…
        </button>
        {state === 'open' && (
          <button type="button" onClick={() => setState('closed')}>
            Cancel
          </button>
        )}
      </p>
      {state === 'none' && <p className="muted small">This browser asks which screen or window to share when the layer starts.</p>}
      {state === 'open' && (
        <>
          {group('screen', 'Screens')}
          {group('window', 'Windows')}
        </>
      )}
      {error && (
        <p className="studio__error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
