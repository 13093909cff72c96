// Access taken back: the facts every server process must act on at once (drop cached "yes" answers, remove chat
// sockets and media players that lost access, drop a publisher whose key was reset). Whoever changes the fact in
// the database publishes it here; every process hears it (change-bus.ts).

export type AccessChange =
  /** An invite was withdrawn: guests and users let in by it lose access. */
  | { kind: 'invite-revoked'; channelId: number; inviteId: number }
  /** A user stopped following a channel (followers-only access may be gone). */
  | { kind: 'follow-removed'; channelId: number; userId: number }
  /** A channel's visibility changed. */
  | { kind: 'visibility-changed'; channelId: number; channel: string }
  /** A user or guest was banned from a channel. */
  | { kind: 'banned'; channelId: number; userId?: number; guestId?: string }
  /** A channel's stream key was replaced: a publisher using the old one is dropped. */
  | { kind: 'stream-key-reset'; channelId: number; channel: string }
  /** Some of a user's session or bearer tokens were revoked (logout, sign out everywhere, password change). */
  | { kind: 'tokens-revoked'; userId: number };

export type AccessChangeListener = (change: AccessChange) => void;

export interface AccessChangeBus {
  /** Records the change for every process (this one included); resolves once it is sent. */
  publish(change: AccessChange): Promise<void>;
  /** Called for every change, from this process or another. */
  subscribe(listener: AccessChangeListener): void;
  close(): Promise<void>;
}
