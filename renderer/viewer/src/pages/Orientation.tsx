// Which of a stream's two pictures the player shows when it has a vertical companion: the vertical one on a phone
// held upright, the landscape one elsewhere, and a switch between them that the viewer's choice overrides.
import { useEffect, useState } from 'react';

export type Orientation = 'vertical' | 'landscape';

/** A phone held upright: a portrait viewport no wider than a phone. */
const UPRIGHT_PHONE = '(orientation: portrait) and (max-width: 600px)';

function useUprightPhone(): boolean {
  const [upright, setUpright] = useState(() => window.matchMedia(UPRIGHT_PHONE).matches);
  useEffect(() => {
    const query = window.matchMedia(UPRIGHT_PHONE);
    const update = () => setUpright(query.matches);
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);
  return upright;
}

/** The picture to show: the viewer's choice, else the one that suits the screen. Landscape when there is no vertical. */
export function useOrientation(hasVertical: boolean): [Orientation, (o: Orientation) => void] {
  const upright = useUprightPhone();
  const [chosen, setChosen] = useState<Orientation | null>(null);
  const shown: Orientation = hasVertical ? (chosen ?? (upright ? 'vertical' : 'landscape')) : 'landscape';
  return [shown, setChosen];
}

export function OrientationSwitch({ value, onChange }: { value: Orientation; onChange(o: Orientation): void }) {
  const next: Orientation = value === 'vertical' ? 'landscape' : 'vertical';
  return (
    <button
      type="button"
      className="btn orientation-switch"
      data-testid="orientation-switch"
      data-showing={value}
      aria-label={`Showing the ${value} picture: switch to ${next}`}
      onClick={() => onChange(next)}
    >
      {next === 'vertical' ? 'Vertical' : 'Landscape'}
    </button>
  );
}
