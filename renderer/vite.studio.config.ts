// Builds Onair Studio's renderer (renderer/studio) into dist/renderer/studio, which the desktop app loads from its
// onair-studio:// scheme and the dev bridge serves. `npm run dev:studio` runs vite on :5175 with /bridge and
// /socket.io forwarded to the dev bridge (ONAIR_BRIDGE, default http://127.0.0.1:5174).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bridge = process.env.ONAIR_BRIDGE ?? 'http://127.0.0.1:5174';

export default defineConfig({
  root: here('./studio'),
  base: './',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: here('../dist/renderer/studio'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    host: '127.0.0.1',
    port: 5175,
    proxy: { '/bridge': bridge, '/socket.io': { target: bridge, ws: true } },
  },
});
