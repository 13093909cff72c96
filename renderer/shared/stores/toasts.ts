// Short notices in a corner: "alice is live", "Copied", errors that do not belong to a form.
import { create } from 'zustand';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'live' | 'error';
  /** Optional link ("Watch") shown with the toast. */
  action?: { label: string; href: string };
}

interface ToastState {
  toasts: Toast[];
  push(t: Omit<Toast, 'id'>, ttlMs?: number): number;
  dismiss(id: number): void;
}

let nextId = 1;
const MAX_TOASTS = 4;

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  push(t, ttlMs = 8000) {
    const id = nextId++;
    set({ toasts: [...get().toasts, { ...t, id }].slice(-MAX_TOASTS) });
    if (ttlMs > 0) setTimeout(() => get().dismiss(id), ttlMs);
    return id;
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));
