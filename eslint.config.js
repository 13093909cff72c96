// ESLint for the whole tree (`npm run lint`; `npm test` runs it after the type-check). Three things:
// 1. The recommended JavaScript and typescript-eslint rules, with a few turned down where the tree is deliberate
//    (see RULES). No formatting rules: layout is Prettier's (`npm run format`; `npm test` checks it).
// 2. Import walls between the parts (WALLS): a wrong arrow fails the build. scripts/import-walls.test.ts lints a
//    deliberate violation of each wall.
// 3. The server reads the environment in one place, server/config.ts.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Tests and what only tests use: the helpers in server/test-support/ (the benchmark uses them too).
const TESTS = ['**/*.test.ts', 'server/test-support/**/*.ts'];

// An import wall: specifiers a group of files may not import. `paths` are exact names, `patterns` regular
// expressions over the specifier as written (relative ones included), each with the reason shown on a violation.
const wall = (message, { names = [], regexes = [] }) => ({
  paths: names.map((name) => ({ name, message })),
  patterns: regexes.map((regex) => ({ regex, message })),
});

const nodeBuiltins = (message) => wall(message, { names: builtinModules, regexes: ['^node:'] });

// What the browser code may import from the rest of the tree today: the contracts it shares with the server and
// the desktop app. Each is plain data and pure functions, held to that by the CONTRACTS wall below.
//   server/api/types.ts       HTTP API payloads
//   server/api/chat.ts        chat events, payloads and limits
//   server/api/text-rules.ts  what counts as visible text (lengths, bidi controls), the same rule on both sides
//   server/api/tag-rules.ts   what a channel tag is (normalising, limits), so the app shows a tag as it will be saved
//   electron/ipc-contract.ts  the Studio's IPC channels and their guards
//   electron/state-line.ts    the broadcast state in words (tray and status line)
//   electron/broadcast/types.ts  the broadcast pipeline's settings, presets and states
//   electron/media-chunk.ts   the engine's encoded-chunk message, written by the window and read by the sender
//   electron/source-feed.ts   a phone or web page layer's feed from main to the window (events, framing)
const CONTRACT_FILES = [
  'server/api/types.ts',
  'server/api/outbound.ts',
  'server/api/dashboard.ts',
  'server/api/moderation.ts',
  'server/api/social.ts',
  'server/api/chat.ts',
  'server/api/text-rules.ts',
  'server/api/tag-rules.ts',
  'electron/ipc-contract.ts',
  'electron/control-contract.ts',
  'electron/state-line.ts',
  'electron/broadcast/types.ts',
  'electron/media-chunk.ts',
  'electron/source-feed.ts',
];

const WALLS = {
  // The server runs without the desktop app or the browser code.
  server: wall('The server never imports the desktop app (electron/, the electron package) or the browser code (renderer/).', {
    regexes: ['(^|/)electron(/|$)', '(^|/)renderer(/|$)'],
  }),
  // The RTMP core takes and serves streams; what happens around it (who may publish, HTTP, chat, storage) reaches it
  // through its hooks, wired in server/onair.ts.
  rtmp: wall(
    'The RTMP core (server/rtmp) imports nothing of HTTP, chat, access or the database: it is told through its hooks (see server/onair.ts).',
    {
      names: ['fastify', 'socket.io', 'kysely', 'better-sqlite3', 'pg', 'ioredis', 'http', 'https', 'http2', 'node:http', 'node:https', 'node:http2'],
      regexes: ['^@fastify/', '^@socket\\.io/', '^(\\.\\./)+(http|chat|db|access|api)/', '^(\\.\\./)+onair\\.js$'],
    },
  ),
  // HTTP asks a live stream for its playlists, parts and segments (live-stream.ts, live-delivery.ts) and renders
  // replays' manifests; the packagers, segmenters and stores behind a stream are the stream's own business.
  httpMedia: wall(
    'HTTP (server/http) asks the LiveStream (live-stream, live-streams, live-delivery) and the manifest renderers; it never imports the packager or what it is made of.',
    {
      regexes: [
        '^(\\.\\./)+media/(?!(live-stream|live-streams|live-delivery|growing-parts|hls-playlist|dash-manifest|manifests|vertical-link|stream-files)\\.js$)',
      ],
    },
  ),
  // Browser code: no Node, and of the server and the desktop app only the shared contracts.
  rendererNode: nodeBuiltins('Browser code (renderer/) cannot use Node built-ins.'),
  renderer: wall(
    'Browser code (renderer/) imports from server/ and electron/ only the shared contracts listed in eslint.config.js (CONTRACT_FILES).',
    {
      names: ['electron'],
      regexes: [
        '(^|/)server/(?!api/(types|outbound|dashboard|moderation|social|chat|text-rules|tag-rules)\\.js$)',
        '(^|/)electron/(?!(ipc-contract|control-contract|state-line|media-chunk|source-feed|broadcast/types)\\.js$)',
      ],
    },
  ),
  // The broadcast pipeline is plain Node: the CLI and the dev bridge run it without Electron.
  broadcast: wall(
    'The broadcast pipeline (electron/broadcast) never imports electron or the Electron main/preload code: the CLI and the dev bridge run it in plain Node.',
    {
      regexes: ['^electron(/|$)', '^(\\.\\./)+(main|preload)/'],
    },
  ),
  // Helpers that start servers, spawn ffmpeg and read the test environment belong to tests and the benchmark.
  testSupport: wall('Only tests (and the benchmark) import server/test-support/: the programs never need it.', {
    regexes: ['(^|/)test-support/'],
  }),
  // The contracts are bundled into the browser code and loaded by the server and the desktop app alike.
  contracts: wall('Shared contracts (CONTRACT_FILES in eslint.config.js) import only each other: no Node built-ins, no packages, no other modules.', {
    regexes: [
      '^(?!(\\./(types|outbound|dashboard|moderation|social|chat|text-rules|tag-rules|ipc-contract|control-contract|state-line|media-chunk|source-feed|broadcast/types)|(\\.\\./)+server/api/(types|outbound|dashboard|moderation|social|chat|text-rules|tag-rules))\\.js$)',
    ],
  }),
};

// Flat config gives a rule the options of the last block that matches a file, so a file inside several walls gets
// one rule entry that joins them.
const restrict = (...walls) => ({
  'no-restricted-imports': ['error', { paths: walls.flatMap((w) => w.paths), patterns: walls.flatMap((w) => w.patterns) }],
});

const RULES = {
  // Unused names are errors, except a leading underscore (a parameter a signature needs, a skipped element).
  '@typescript-eslint/no-unused-vars': [
    'error',
    { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
  ],
  // Untyped JSON (config files, API bodies in tests) is read through `any` on purpose, then validated.
  '@typescript-eslint/no-explicit-any': 'off',
  // `catch {}` where failure is the expected, ignorable case (a probe, a best-effort cleanup).
  'no-empty': ['error', { allowEmptyCatch: true }],
  // A `let` assigned once but read earlier by a closure (a handler set up before what it reaches) stays a `let`.
  'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
  // The tree matches control characters on purpose: to refuse them in names, titles and chat text.
  'no-control-regex': 'off',
};

export default defineConfig(
  { ignores: ['dist/', 'data/', 'bench/work/', 'bench/results/', '.farm/', 'tmp/', '**/node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { rules: RULES },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['renderer/{shared,viewer,studio}/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },

  // Remove once server/media/playlists.test.ts rethrows with `{ cause }` (line 87); the media rebuild owns that file.
  { files: ['server/media/playlists.test.ts'], rules: { 'preserve-caught-error': 'off' } },

  // Configuration in one place: server code other than server/config.ts does not read the environment.
  {
    files: ['server/**/*.ts'],
    ignores: ['server/config.ts', ...TESTS],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: "Server settings are read in server/config.ts (loadConfig) and passed down; add the setting there and to README's settings table.",
        },
      ],
    },
  },

  // Import walls. A later block replaces an earlier one's options for the files both match, so each block lists
  // every wall its files are inside.
  { files: ['server/**/*.ts'], rules: restrict(WALLS.server) },
  { files: ['server/**/*.ts'], ignores: TESTS, rules: restrict(WALLS.server, WALLS.testSupport) },
  { files: ['server/rtmp/**/*.ts'], ignores: TESTS, rules: restrict(WALLS.server, WALLS.rtmp, WALLS.testSupport) },
  { files: ['server/http/**/*.ts'], ignores: TESTS, rules: restrict(WALLS.server, WALLS.httpMedia, WALLS.testSupport) },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/*.test.ts', 'renderer/vite*.config.ts'],
    rules: restrict(WALLS.rendererNode, WALLS.renderer),
  },
  { files: ['electron/broadcast/**/*.ts'], rules: restrict(WALLS.broadcast) },
  { files: CONTRACT_FILES, rules: restrict(WALLS.contracts) },
);
