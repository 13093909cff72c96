// The crop of the selected layer, per side as a percentage of its source (what OBS does with Alt+drag).
import type { Crop, Item } from '../../engine/scene/model.js';
import { useScenes } from './store.js';

const SIDES: (keyof Crop)[] = ['left', 'right', 'top', 'bottom'];

export function LayerCrop({ sceneId, canvas, item }: { sceneId: string; canvas: 'horizontal' | 'vertical'; item: Item }) {
  const exec = useScenes((s) => s.exec);
  const set = (side: keyof Crop, percent: number) => {
    if (!Number.isFinite(percent)) return;
    const crop = { ...item.crop, [side]: Math.max(0, Math.min(99, percent)) / 100 };
    exec({ type: 'transformItem', sceneId, canvas, itemId: item.id, crop }, `crop-${item.id}-${side}`);
  };
  return (
    <fieldset className="layer-crop">
      <legend>Crop</legend>
      {SIDES.map((side) => (
        <label key={side}>
          {`Crop ${side} %`}
          <input
            type="number"
            min={0}
            max={99}
            step={1}
            value={Math.round(item.crop[side] * 100)}
            onChange={(e) => set(side, Number(e.target.value))}
          />
        </label>
      ))}
    </fieldset>
  );
}
