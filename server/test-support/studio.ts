// What the Studio's browser tests set up before the page (renderer/studio*.browser.test.ts): an Onair server that
// tells the Studio a real RTMP address, and an account on it signed in through the Studio core the dev bridge hosts.
// server/ may not import electron/ (eslint's server wall): the bridge's core is taken by the shape used here.
import assert from 'node:assert/strict';
import { freePort } from './process.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * A test server on a fixed free RTMP port (ONAIR_RTMP_PORT=0 would make it advertise port 0), so the channel's
 * rtmpUrl, what /api/me/channel tells the Studio, is the one it listens on. `env` adds to or overrides its settings.
 */
export async function startStudioServer(env: Record<string, string> = {}): Promise<TestServer> {
  const rtmpPort = await freePort();
  return startTestServer({ ONAIR_RTMP_PORT: String(rtmpPort), ONAIR_RTMP_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live`, ...env });
}

/** The dev bridge's StudioCore, as far as signing in goes. */
interface SigningInCore {
  handle(channel: 'session:signIn', request: { serverUrl: string; username: string; password: string; register: boolean }): Promise<{ ok: boolean }>;
}

/**
 * Registers `username` on the server at `serverBase` and signs the Studio in, as its sign-in form does (the password
 * is registerInPage's); the page opened afterwards shows the account. Asserts it worked.
 */
export async function signUpInStudio(core: SigningInCore, serverBase: string, username: string): Promise<void> {
  const signedIn = await core.handle('session:signIn', { serverUrl: serverBase, username, password: `pw-${username}-123456`, register: true });
  assert.ok(signedIn.ok, JSON.stringify(signedIn));
}

/** obs-websocket's GetRecordStatus while nothing is recorded. */
export const NOT_RECORDING = { outputActive: false, outputPaused: false, outputTimecode: '00:00:00.000', outputDuration: 0, outputBytes: 0 };
