// Scenes and layers: the compositor's preview with direct manipulation, the scene list and the selected scene's
// layers. Loads the saved scenes (or makes the first-run ones) on mount; Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z undo and
// redo anywhere but in a text field.
import { useEffect } from 'react';
import { LayersPanel } from './LayersPanel.js';
import { ScenePreview } from './ScenePreview.js';
import { ScenesPanel } from './ScenesPanel.js';
import { useScenes } from './store.js';
import './scenes.css';

export function SceneEditor() {
  const status = useScenes((s) => s.status);
  const error = useScenes((s) => s.error);
  const saved = useScenes((s) => s.saved);
  useEffect(() => void useScenes.getState().load(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      if (e.shiftKey) useScenes.getState().redo();
      else useScenes.getState().undo();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (status === 'loading') return <p className="muted">Loading scenes…</p>;
  if (status === 'failed')
    return (
      <p className="studio__error" role="alert">
        {error}
      </p>
    );
  return (
    <section className="scene-editor" data-testid="scene-editor" data-saved={saved}>
      <ScenePreview />
      <div className="scene-editor__panels">
        <ScenesPanel />
        <LayersPanel />
      </div>
    </section>
  );
}
