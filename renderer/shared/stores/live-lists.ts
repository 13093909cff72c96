// Who is live, as the home page lists it: "Live now" (the directory, with its tag and search filter) and
// "Following, live now". Loaded from the API (the page asks again now and then, a fallback) and changed at once by
// the chat connection's events: `directory` (a public channel came or went, with its entry) and `notice` (a
// followed channel went live or ended).
import { create } from 'zustand';
import { api as defaultApi, errorMessage, type ApiClient } from '../api.js';
import { chatSocket, onChatSocketChange, type ChatSocket } from '../chat-socket.js';
import type { DirectoryEvent, LiveChannel, NoticeEvent } from '../contracts.js';

export interface DirectoryFilter {
  tag: string;
  q: string;
}

export interface LiveListsState {
  filter: DirectoryFilter;
  /** Null until the first answer. */
  live: LiveChannel[] | null;
  liveError: string | null;
  /** Tags offered as filters. */
  tags: string[];
  /** Null until the first answer, and while nobody is signed in. */
  following: LiveChannel[] | null;
  loadLive(filter: DirectoryFilter): Promise<void>;
  loadFollowing(signedIn: boolean): Promise<void>;
  applyDirectory(e: DirectoryEvent): void;
  applyNotice(n: NoticeEvent): void;
}

/** Answers that may predate an event are asked for again, at most this many times in a row. */
const MAX_LOAD_TRIES = 3;
const MAX_TAGS = 40;

/** As the server filters the directory (GET /api/channels/live). */
export function matchesFilter(c: LiveChannel, f: DirectoryFilter): boolean {
  const tag = f.tag.trim().toLowerCase();
  const q = f.q.trim().toLowerCase();
  return (!tag || c.tags.includes(tag)) && (!q || c.name.includes(q) || c.title.toLowerCase().includes(q));
}

/** Most viewers first, then by name: the server's order. */
function byViewers(a: LiveChannel, b: LiveChannel): number {
  return b.viewers - a.viewers || a.name.localeCompare(b.name);
}

const without = (list: LiveChannel[] | null, name: string) => list && list.filter((c) => c.name !== name);

export function createLiveListsStore(api: ApiClient) {
  // An answer that was on its way while an event changed the list may not know of the change: it is dropped and
  // asked for again. Counted outside the state: they say nothing to render.
  const edits = { live: 0, following: 0 };
  const loads = { live: 0, following: 0 };

  return create<LiveListsState>((set, get) => ({
    filter: { tag: '', q: '' },
    live: null,
    liveError: null,
    tags: [],
    following: null,

    async loadLive(filter) {
      if (filter.tag !== get().filter.tag || filter.q !== get().filter.q) set({ filter });
      for (let i = 0; i < MAX_LOAD_TRIES; i++) {
        const mine = ++loads.live;
        const seen = edits.live;
        let list: LiveChannel[];
        try {
          list = await api.liveChannels(filter);
        } catch (err) {
          if (mine === loads.live) set({ liveError: errorMessage(err) });
          return;
        }
        if (mine !== loads.live) return; // a newer question is on its way
        if (seen !== edits.live) continue;
        set((s) => ({
          live: list,
          liveError: null,
          tags: s.tags.length ? s.tags : [...new Set(list.flatMap((c) => c.tags))].sort().slice(0, MAX_TAGS),
        }));
        break;
      }
      const counts = await api.tags().catch(() => null);
      if (counts) set({ tags: counts.slice(0, MAX_TAGS).map((t) => t.tag) });
    },

    async loadFollowing(signedIn) {
      if (!signedIn) {
        loads.following++;
        set({ following: null });
        return;
      }
      for (let i = 0; i < MAX_LOAD_TRIES; i++) {
        const mine = ++loads.following;
        const seen = edits.following;
        let list: LiveChannel[] | null;
        try {
          list = await api.followingLive();
        } catch {
          list = null;
        }
        if (mine !== loads.following) return;
        if (seen !== edits.following) continue;
        set({ following: list });
        return;
      }
    },

    applyDirectory(e) {
      edits.live++;
      if (!e.live) {
        edits.following++;
        set((s) => ({ live: without(s.live, e.channel), following: without(s.following, e.channel) }));
        return;
      }
      set((s) => {
        if (!s.live || !matchesFilter(e.entry, s.filter)) return {};
        return { live: [...without(s.live, e.channel)!, e.entry].sort(byViewers) };
      });
    },

    applyNotice(n) {
      edits.following++;
      if (n.kind === 'followed-ended') {
        set((s) => ({ following: without(s.following, n.channel) }));
        return;
      }
      // The notice does not carry the entry (nor whether this follower may watch): the API says.
      if (get().following !== null) void get().loadFollowing(true);
    },
  }));
}

export const useLiveLists = createLiveListsStore(defaultApi);

/**
 * Keeps the lists current from the app's chat connection while the home page is shown (whoever is replaced, the
 * socket on sign-in or sign-out, the listeners move to the new one). After the connection was lost both lists are
 * asked for again: events may have been missed. Returns the undo.
 */
export function followLiveEvents(signedIn: () => boolean, store = useLiveLists): () => void {
  const onDirectory = (e: DirectoryEvent) => store.getState().applyDirectory(e);
  const onNotice = (n: NoticeEvent) => store.getState().applyNotice(n);
  const onReconnect = () => {
    const s = store.getState();
    void s.loadLive(s.filter);
    void s.loadFollowing(signedIn());
  };
  const attach = (s: ChatSocket) => {
    s.on('directory', onDirectory);
    s.on('notice', onNotice);
    s.io.on('reconnect', onReconnect);
  };
  const detach = (s: ChatSocket) => {
    s.off('directory', onDirectory);
    s.off('notice', onNotice);
    s.io.off('reconnect', onReconnect);
  };
  let socket = chatSocket();
  attach(socket);
  const stop = onChatSocketChange((next) => {
    detach(socket);
    socket = next;
    attach(next);
  });
  return () => {
    stop();
    detach(socket);
  };
}
