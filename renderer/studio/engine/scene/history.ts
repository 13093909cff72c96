// Undo and redo over the scene commands. Each entry is the document before a command (documents are immutable, so
// this costs only what changed). A gesture (a drag) sends many commands under one `gesture` key: they coalesce into
// one step. Switching the program scene is a live action, not an edit: it is applied without an undo step, and undo
// never switches scenes on air. The frame rate is a setting of the Studio's (its Source and quality panel), not an
// edit of the layout: no undo step either.
import { applyCommand, type SceneCommand } from './commands.js';
import type { ScenesDoc } from './model.js';

export interface History {
  past: ScenesDoc[];
  present: ScenesDoc;
  future: ScenesDoc[];
  /** The gesture the last step belongs to, if any. */
  gesture: string | null;
}

/** Enough for an evening of edits; the oldest steps go first. */
export const MAX_UNDO_STEPS = 200;

export function startHistory(doc: ScenesDoc): History {
  return { past: [], present: doc, future: [], gesture: null };
}

export function execute(h: History, cmd: SceneCommand, gesture?: string): History {
  const next = applyCommand(h.present, cmd);
  if (cmd.type === 'setProgramScene' || cmd.type === 'setFrameRate') return { ...h, present: next };
  if (gesture && gesture === h.gesture) return { ...h, present: next, future: [] };
  return { past: [...h.past, h.present].slice(-MAX_UNDO_STEPS), present: next, future: [], gesture: gesture ?? null };
}

/**
 * Undo and redo keep what is not an edit as it is now (see above): the scene on air (one removed by the undo falls
 * back as removeScene does) and the frame rate.
 */
function keepLive(doc: ScenesDoc, now: ScenesDoc): ScenesDoc {
  const fps = now.canvases[0]?.fps;
  const canvases = doc.canvases.map((c) => (fps === undefined || c.fps === fps ? c : { ...c, fps }));
  const program = doc.scenes.some((s) => s.id === now.program)
    ? now.program
    : doc.scenes.some((s) => s.id === doc.program)
      ? doc.program
      : doc.scenes[0]!.id;
  return { ...doc, canvases, program };
}

export function undo(h: History): History {
  const prev = h.past.at(-1);
  if (!prev) return h;
  return { past: h.past.slice(0, -1), present: keepLive(prev, h.present), future: [h.present, ...h.future], gesture: null };
}

export function redo(h: History): History {
  const next = h.future[0];
  if (!next) return h;
  return { past: [...h.past, h.present], present: keepLive(next, h.present), future: h.future.slice(1), gesture: null };
}
