// Kept for the tests that still import it (server/media/low-latency*.test.ts, electron/broadcast/broadcast.test.ts,
// renderer/studio.browser.test.ts, renderer/viewer.browser.test.ts): the helpers live in server/test-support/.
// New tests import from there; delete this file once those callers have moved.
export { api, newStreamer, publish, startServerProcess, startTestServer, type Publisher, type ServerProcess, type TestServer } from './test-support/server.js';
export { ffmpegPath as FFMPEG, ffprobe, ffprobePath as FFPROBE, run, waitFor } from './test-support/process.js';
