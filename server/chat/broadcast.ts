// Fan-out throttle: a room gets at most one frame per window. A message that arrives when the room has been quiet
// goes out at once as 'message'; messages that arrive within the window after it wait and go out together as
// 'messages'. Under load every viewer then gets one frame per window instead of one per message, which is what
// makes thousands of viewers in one room affordable (the per-recipient send is the cost). Order is kept.
//
// The window stretches when a room's fan-out is slow: after each frame the room's window becomes
// FANOUT_SHARE_INVERSE times as long as that frame's fan-out took (never below CHAT_BATCH_WINDOW_MS, never above
// CHAT_BATCH_WINDOW_MAX_MS), so one room's fan-out keeps at most about half of the event loop. A fan-out that takes
// less than half the base window changes nothing; when the machine is busy and the same fan-out takes longer, frames
// carry more messages instead of the loop falling behind (messages queued behind fan-outs that no longer fit their
// window are what blow the latency tail up near saturation). The cost: up to 100 ms more wait in such a room.
import type { ChatMessage } from '../api/chat.js';

/** Longest a message waits for its batch; also the minimum gap between two frames to one room. */
export const CHAT_BATCH_WINDOW_MS = 100;
/** The longest a room's window stretches to when its fan-out is slow. */
export const CHAT_BATCH_WINDOW_MAX_MS = 200;
/** A room's window is at least this many times its last fan-out's duration. */
export const FANOUT_SHARE_INVERSE = 2;

interface RoomState {
  queue: ChatMessage[];
  timer?: NodeJS.Timeout;
  lastAt: number;
  /** This room's window now (stretched by a slow fan-out). */
  windowMs: number;
}

export class RoomBroadcaster {
  private readonly rooms = new Map<string, RoomState>();

  constructor(
    private readonly emit: { one(room: string, m: ChatMessage): void; many(room: string, ms: ChatMessage[]): void },
    private readonly windowMs = CHAT_BATCH_WINDOW_MS,
    private readonly now: () => number = Date.now,
    private readonly maxWindowMs = Math.max(windowMs, CHAT_BATCH_WINDOW_MAX_MS),
  ) {}

  send(room: string, message: ChatMessage): void {
    const t = this.now();
    let r = this.rooms.get(room);
    if (!r) {
      r = { queue: [], lastAt: -Infinity, windowMs: this.windowMs };
      this.rooms.set(room, r);
    }
    if (!r.timer && t - r.lastAt >= r.windowMs) {
      r.lastAt = t;
      this.timed(r, () => this.emit.one(room, message));
      return;
    }
    r.queue.push(message);
    if (!r.timer) {
      r.timer = setTimeout(() => this.flush(room), Math.max(0, r.lastAt + r.windowMs - t));
      r.timer.unref?.();
    }
  }

  /** The room's window now (for tests and the benchmark's notes). */
  windowOf(room: string): number {
    return this.rooms.get(room)?.windowMs ?? this.windowMs;
  }

  /** Runs one fan-out and sets the room's next window from how long it took. */
  private timed(r: RoomState, fanout: () => void): void {
    const t0 = this.now();
    fanout();
    const took = this.now() - t0;
    r.windowMs = Math.min(this.maxWindowMs, Math.max(this.windowMs, FANOUT_SHARE_INVERSE * took));
  }

  private flush(room: string): void {
    const r = this.rooms.get(room);
    if (!r) return;
    r.timer = undefined;
    const batch = r.queue;
    r.queue = [];
    r.lastAt = this.now();
    if (batch.length === 1) this.timed(r, () => this.emit.one(room, batch[0]));
    else if (batch.length > 1) this.timed(r, () => this.emit.many(room, batch));
    // Quiet rooms are forgotten, so the map holds only rooms that are chatting now.
    for (const [name, state] of this.rooms) if (!state.timer && this.now() - state.lastAt > 10 * this.maxWindowMs) this.rooms.delete(name);
  }

  /** Sends everything still waiting (shutdown). */
  flushAll(): void {
    for (const [room, r] of this.rooms) {
      if (r.timer) clearTimeout(r.timer);
      this.flush(room);
    }
  }
}
