// The import walls of eslint.config.js, each shown to hold: a snippet that crosses it is reported, and one that
// stays inside is not (so a wall too broad fails here as well as one removed). ESLint's Node API lints the snippets
// in memory as if they were the named files; nothing is written.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHECKED = new Set(['no-restricted-imports', 'no-restricted-properties']);
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: path.join(ROOT, 'eslint.config.js'),
  // Only the walls: the snippets are not meant to satisfy every other rule.
  ruleFilter: ({ ruleId }) => CHECKED.has(ruleId),
});

/** The specifiers (or `process.env`) reported in `code` linted as `file`. */
async function reported(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  const fatal = result.messages.filter((m) => m.fatal || !m.ruleId);
  assert.deepEqual(fatal, [], `${file} could not be linted`);
  const lines = code.split('\n');
  return result.messages
    .filter((m) => CHECKED.has(m.ruleId!))
    .map((m) => /'([^']+)'|process\.env/.exec(lines[m.line - 1])?.[0].replaceAll("'", '') ?? '?');
}

const imports = (...specifiers: string[]) => specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n');

/** Lints every specifier in `file`; asserts exactly `denied` are reported. */
async function check(file: string, denied: string[], allowed: string[]): Promise<void> {
  const got = await reported(file, imports(...denied, ...allowed));
  assert.deepEqual(got.sort(), [...denied].sort(), `${file}: reported imports`);
}

describe('import walls', () => {
  it('the server never imports the desktop app or the browser code', async () => {
    await check(
      'server/http/routes-new.ts',
      ['../../electron/broadcast/broadcast.js', '../../renderer/shared/api.js', 'electron'],
      ['../db/users.js', './errors.js', 'fastify', 'node:fs'],
    );
    await check('server/onair-new.test.ts', ['../electron/ipc-contract.js'], ['./test-support/server.js']);
    // Test support is for tests (and the benchmark): the server itself never imports it.
    await check('server/http/routes-new.ts', ['../test-support/process.js'], []);
  });

  it('HTTP asks a live stream for its media and never reaches the packager behind it', async () => {
    await check(
      'server/http/routes-new.ts',
      ['../media/packager.js', '../media/segmenter.js', '../media/segment-store.js', '../media/codecs.js', '../../electron/ipc-contract.js'],
      [
        '../media/live-stream.js',
        '../media/live-streams.js',
        '../media/live-delivery.js',
        '../media/hls-playlist.js',
        '../media/dash-manifest.js',
        './errors.js',
      ],
    );
    // Tests of HTTP may build what they need.
    await check('server/http/routes-new.test.ts', [], ['../media/packager.js']);
  });

  it('the RTMP core imports nothing of HTTP, chat, access or the database (and stays inside the server wall)', async () => {
    await check(
      'server/rtmp/new-part.ts',
      [
        '../db/database.js',
        '../http/app.js',
        '../chat/service.js',
        '../access/access.js',
        '../api/types.js',
        '../onair.js',
        'fastify',
        '@fastify/cookie',
        'socket.io',
        'kysely',
        'pg',
        'ioredis',
        'node:http',
        '../../electron/cli.js',
      ],
      ['./chunk.js', './limits.js', '../log.js', 'node:net', 'node:crypto'],
    );
    // Its tests may start a whole server.
    await check('server/rtmp/new-part.test.ts', [], ['../test-support/server.js', '../http/app.js']);
  });

  it('browser code uses no Node built-ins and, of the server and the desktop app, only the shared contracts', async () => {
    await check(
      'renderer/viewer/src/pages/NewPage.tsx',
      [
        'node:fs',
        'path',
        'fs/promises',
        '../../../../server/http/app.js',
        '../../../../server/db/users.js',
        '../../../../server/api/other.js',
        '../../../../electron/main/index.js',
        '../../../../electron/broadcast/broadcast.js',
        'electron',
      ],
      [
        'react',
        '../../../shared/api.js',
        '../../../../server/api/types.js',
        '../../../../server/api/chat.js',
        '../../../../server/api/text-rules.js',
      ],
    );
    await check(
      'renderer/studio/src/new.ts',
      ['../../../electron/preload/index.js'],
      ['../../../electron/ipc-contract.js', '../../../electron/state-line.js', '../../../electron/broadcast/types.js'],
    );
    // A type-only import crosses the wall too.
    assert.deepEqual(await reported('renderer/shared/new.ts', "import type { HttpDeps } from '../../server/http/deps.js';"), [
      '../../server/http/deps.js',
    ]);
    // The Node side of renderer/ (browser tests, Vite configs) is not browser code.
    await check('renderer/new.browser.test.ts', [], ['node:fs', '../server/test-support/server.js', '../electron/dev-bridge/server.js']);
  });

  it('the broadcast pipeline never imports electron', async () => {
    await check(
      'electron/broadcast/new-source.ts',
      ['electron', '../main/index.js', '../preload/index.js'],
      ['node:child_process', './types.js', '../../server/ffmpeg/args.js'],
    );
    // The Electron main process is where electron belongs.
    await check('electron/main/new.ts', [], ['electron', '../broadcast/broadcast.js']);
  });

  it('the shared contracts import only each other', async () => {
    await check('server/api/types.ts', ['node:crypto', 'socket.io', '../db/users.js', '../http/errors.js'], ['./chat.js', './text-rules.js']);
    await check('electron/ipc-contract.ts', ['node:path', 'electron', './main/index.js'], ['./broadcast/types.js', './state-line.js']);
  });

  it('server code reads the environment only in server/config.ts', async () => {
    assert.deepEqual(await reported('server/http/new.ts', 'export const level = process.env.ONAIR_LOG_LEVEL;'), ['process.env']);
    assert.deepEqual(await reported('server/config.ts', 'export const level = process.env.ONAIR_LOG_LEVEL;'), []);
    assert.deepEqual(await reported('server/http/new.test.ts', 'export const url = process.env.ONAIR_TEST_DATABASE_URL;'), []);
  });
});
