// Undo and redo over the scene commands. Each entry is the document before a command (documents are immutable, so
// this costs only what changed). A gesture (a drag) sends many commands under one `gesture` key: they coalesce into
// one step. Switching the program scene is a live action, not an edit: it is applied without an undo step, and undo
// never switches scenes on air.
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
  if (cmd.type === 'setProgramScene') return { ...h, present: next };
  if (gesture && gesture === h.gesture) return { ...h, present: next, future: [] };
  return { past: [...h.past, h.present].slice(-MAX_UNDO_STEPS), present: next, future: [], gesture: gesture ?? null };
}

/** Undo and redo keep the scene on air as it is (see above); a scene removed by the undo falls back as removeScene does. */
function keepProgram(doc: ScenesDoc, program: string): ScenesDoc {
  return doc.scenes.some((s) => s.id === program)
    ? { ...doc, program }
    : doc.scenes.some((s) => s.id === doc.program)
      ? doc
      : { ...doc, program: doc.scenes[0]!.id };
}

export function undo(h: History): History {
  const prev = h.past.at(-1);
  if (!prev) return h;
  return { past: h.past.slice(0, -1), present: keepProgram(prev, h.present.program), future: [h.present, ...h.future], gesture: null };
}

export function redo(h: History): History {
  const next = h.future[0];
  if (!next) return h;
  return { past: [...h.past, h.present], present: keepProgram(next, h.present.program), future: h.future.slice(1), gesture: null };
}
