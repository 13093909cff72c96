// Who is using the app: a signed-in account, a guest who came through an invite, or nobody.
// The browser app signs in with the HttpOnly session cookie only: it asks the server for no bearer token.
import { create } from 'zustand';
import { ApiRequestError, api as defaultApi, type ApiClient } from '../api.js';
import type { ApiUser, Credentials, PasswordChange } from '../contracts.js';

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
  login(c: SignIn): Promise<ApiUser>;
  register(c: SignIn): Promise<ApiUser>;
  /** Signs out here; the server also forgets any guest grant of this browser. */
  logout(): Promise<void>;
  /** Signs out every browser and app of the account, this one included. */
  logoutEverywhere(): Promise<void>;
  /** Keeps this session; every other one is signed out. */
  changePassword(c: PasswordChange): Promise<void>;
  setGuest(g: Guest | null): void;
}

type SignIn = Omit<Credentials, 'session'>;

const GUEST_KEY = 'onair.guest';

function loadGuest(): Guest | null {
  try {
    const raw = sessionStorage.getItem(GUEST_KEY);
    return raw ? (JSON.parse(raw) as Guest) : null;
  } catch {
    return null;
  }
}

function saveGuest(g: Guest | null) {
  try {
    if (g) sessionStorage.setItem(GUEST_KEY, JSON.stringify(g));
    else sessionStorage.removeItem(GUEST_KEY);
  } catch {
    /* storage unavailable (private mode); the guest lasts for this page only */
  }
}

/** After any sign-out, whatever the server answered: nobody is signed in, and no guest either. */
function signedOut(set: (partial: Partial<SessionState>) => void) {
  saveGuest(null);
  set({ status: 'signed-out', user: null, guest: null });
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
      const { user } = await api.login({ ...c, session: 'cookie' });
      set({ status: 'signed-in', user });
      return user;
    },
    async register(c) {
      const { user } = await api.register({ ...c, session: 'cookie' });
      set({ status: 'signed-in', user });
      return user;
    },
    async logout() {
      try {
        await api.logout();
      } finally {
        signedOut(set);
      }
    },
    async logoutEverywhere() {
      try {
        await api.logoutEverywhere();
      } catch (err) {
        // Already signed out (401): the same end state. Anything else: still signed in, say why.
        if (!(err instanceof ApiRequestError && err.status === 401)) throw err;
      }
      signedOut(set);
    },
    async changePassword(c) {
      await api.changePassword(c);
    },
    setGuest(g) {
      saveGuest(g);
      set({ guest: g });
    },
  }));
}

export const useSession = createSessionStore(defaultApi);
