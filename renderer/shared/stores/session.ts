// Who is using the app: a signed-in account, a guest who came through an invite, or nobody.
import { create } from 'zustand';
import { api as defaultApi, type ApiClient } from '../api.js';
import type { ApiUser, Credentials } from '../contracts.js';

export interface Guest {
  displayName: string;
  channel: string;
}

export interface SessionState {
  status: 'unknown' | 'signed-out' | 'signed-in';
  user: ApiUser | null;
  /** Set after redeeming an invite; the guest cookie itself is HttpOnly. */
  guest: Guest | null;
  refresh(): Promise<void>;
  login(c: Credentials): Promise<ApiUser>;
  register(c: Credentials): Promise<ApiUser>;
  logout(): Promise<void>;
  setGuest(g: Guest | null): void;
}

const GUEST_KEY = 'onair.guest';

function loadGuest(): Guest | null {
  try {
    const raw = sessionStorage.getItem(GUEST_KEY);
    return raw ? (JSON.parse(raw) as Guest) : null;
  } catch {
    return null;
  }
}

export function createSessionStore(api: ApiClient) {
  return create<SessionState>((set) => ({
    status: 'unknown',
    user: null,
    guest: typeof sessionStorage === 'undefined' ? null : loadGuest(),
    async refresh() {
      try {
        const { user } = await api.me();
        set({ status: 'signed-in', user });
      } catch {
        set({ status: 'signed-out', user: null });
      }
    },
    async login(c) {
      const { user } = await api.login(c);
      set({ status: 'signed-in', user });
      return user;
    },
    async register(c) {
      const { user } = await api.register(c);
      set({ status: 'signed-in', user });
      return user;
    },
    async logout() {
      try {
        await api.logout();
      } finally {
        set({ status: 'signed-out', user: null });
      }
    },
    setGuest(g) {
      try {
        if (g) sessionStorage.setItem(GUEST_KEY, JSON.stringify(g));
        else sessionStorage.removeItem(GUEST_KEY);
      } catch {
        /* storage unavailable (private mode); the guest lasts for this page only */
      }
      set({ guest: g });
    },
  }));
}

export const useSession = createSessionStore(defaultApi);
