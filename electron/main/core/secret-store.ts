// The account secrets (bearer token, stream key, the Studio's invite link) at rest, and the Studio's extra
// destinations with their keys in a second such file: each one file in the app's user-data folder, encrypted with a
// Cipher. In the app the Cipher is Electron's safeStorage (OS keychain / DPAPI / libsecret); tests inject their own.
// Without a cipher (the dev bridge) or when the OS has no encryption available, secrets stay in memory only:
// never written in clear.
import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';

/** The part of Electron's safeStorage we use. */
export interface Cipher {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The invite the Studio made for "Copy invite link" (studio-invite.ts), kept to hand out again: its id (to ask the
 * server whether it is still valid) and its link, which holds the invite's token (the server keeps only a hash).
 */
export interface StoredInvite {
  id: number;
  url: string;
  expiresAt: string | null;
  maxUses: number | null;
}

export type Secrets =
  | {
      mode: 'onair';
      serverUrl: string;
      username: string;
      channel: string;
      rtmpUrl: string;
      token: string;
      streamKey: string;
      invite?: StoredInvite;
    }
  | { mode: 'custom'; rtmpUrl: string; streamKey: string };

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** A stored invite as read back; anything else is dropped (a new invite is made when asked for). */
function parseInvite(v: unknown): StoredInvite | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!(Number.isSafeInteger(o.id) && (o.id as number) > 0) || !str(o.url) || !/^https?:\/\//.test(o.url)) return undefined;
  if (!(o.expiresAt === null || str(o.expiresAt)) || !(o.maxUses === null || Number.isSafeInteger(o.maxUses))) return undefined;
  return { id: o.id as number, url: o.url, expiresAt: o.expiresAt as string | null, maxUses: o.maxUses as number | null };
}

/** Checks what came back from disk: a tampered or old file is ignored, never trusted. */
export function parseSecrets(json: string): Secrets | null {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.mode === 'onair' && str(o.serverUrl) && str(o.username) && str(o.channel) && str(o.rtmpUrl) && str(o.token) && str(o.streamKey)) {
    const invite = parseInvite(o.invite);
    return {
      mode: 'onair',
      serverUrl: o.serverUrl,
      username: o.username,
      channel: o.channel,
      rtmpUrl: o.rtmpUrl,
      token: o.token,
      streamKey: o.streamKey,
      ...(invite ? { invite } : {}),
    };
  }
  if (o.mode === 'custom' && str(o.rtmpUrl) && str(o.streamKey)) return { mode: 'custom', rtmpUrl: o.rtmpUrl, streamKey: o.streamKey };
  return null;
}

/** One encrypted JSON file: the account secrets (the default), or another secret list (the Studio's destinations). */
export class SecretStore<T = Secrets> {
  private current: T | null = null;
  private loaded = false;

  constructor(
    private readonly file: string | null,
    private readonly cipher: Cipher | null,
    /** Checks what came back from disk; null drops it. */
    private readonly parse: (json: string) => T | null = parseSecrets as unknown as (json: string) => T | null,
  ) {}

  /** Whether secrets survive a restart (a cipher, encryption available, and a file). */
  get persistent(): boolean {
    return !!this.file && !!this.cipher && this.cipher.isEncryptionAvailable();
  }

  get(): T | null {
    if (!this.loaded) {
      this.loaded = true;
      this.current = this.readFile();
    }
    return this.current;
  }

  /** Keeps the secrets; returns whether they were written (encrypted) to disk. */
  set(s: T): boolean {
    this.loaded = true;
    this.current = s;
    if (!this.persistent || !this.file || !this.cipher) return false;
    const enc = this.cipher.encryptString(JSON.stringify(s));
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, enc, { mode: 0o600 });
    renameSync(tmp, this.file);
    return true;
  }

  clear(): void {
    this.loaded = true;
    this.current = null;
    if (this.file) rmSync(this.file, { force: true });
  }

  private readFile(): T | null {
    if (!this.persistent || !this.file || !this.cipher) return null;
    let buf: Buffer;
    try {
      buf = readFileSync(this.file);
    } catch {
      return null;
    }
    try {
      return this.parse(this.cipher.decryptString(buf));
    } catch {
      return null; // another user's or machine's file, or a corrupted one: start signed out
    }
  }
}
