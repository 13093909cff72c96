// The scene list: pick a scene to edit, add, rename, remove, and put it on air with a Cut or a Fade.
import { useEffect, useState } from 'react';
import { newId } from '../../engine/scene/model.js';
import { useScenes } from './store.js';

export function ScenesPanel() {
  const doc = useScenes((s) => s.history?.present);
  const selected = useScenes((s) => s.selectedScene);
  const { exec, selectScene, switchTo } = useScenes.getState();
  const scene = doc?.scenes.find((s) => s.id === selected);
  const [name, setName] = useState('');
  useEffect(() => setName(scene?.name ?? ''), [scene?.id, scene?.name]);
  if (!doc) return null;

  const add = () => {
    const id = newId('scene');
    let n = doc.scenes.length + 1;
    while (doc.scenes.some((s) => s.name === `Scene ${n}`)) n++;
    if (exec({ type: 'createScene', scene: { id, name: `Scene ${n}`, items: { horizontal: [], vertical: [] } } })) selectScene(id);
  };
  const rename = () => scene && name.trim() !== scene.name && exec({ type: 'renameScene', sceneId: scene.id, name });
  const remove = () => {
    if (scene && exec({ type: 'removeScene', sceneId: scene.id })) selectScene(useScenes.getState().history!.present.program);
  };
  const onAir = selected === doc.program;

  return (
    <section className="card scenes-panel" aria-label="Scenes">
      <h3>Scenes</h3>
      <ul className="scenes-panel__list">
        {doc.scenes.map((s) => (
          <li key={s.id}>
            <button type="button" aria-pressed={s.id === selected} data-scene={s.id} onClick={() => selectScene(s.id)}>
              {s.name}
              {s.id === doc.program && <span className="scenes-panel__air"> · on air</span>}
            </button>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" onClick={() => switchTo('cut')} disabled={onAir}>
          Cut
        </button>
        <button type="button" onClick={() => switchTo('fade')} disabled={onAir}>
          Fade
        </button>
        <button type="button" onClick={add}>
          Add scene
        </button>
        <button type="button" onClick={remove} disabled={doc.scenes.length < 2}>
          Remove scene
        </button>
      </div>
      {scene && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            rename();
          }}
        >
          <label>
            Scene name
            <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} onBlur={rename} />
          </label>
          <button type="submit">Rename</button>
        </form>
      )}
    </section>
  );
}
