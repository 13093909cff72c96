// Builds the viewer web app (renderer/viewer) into dist/renderer/viewer, which the server serves
// (server/http/routes-site.ts). `npm run dev:viewer` serves it with hot reload and forwards the API, media and
// chat to a running Onair server (ONAIR_DEV_SERVER, default http://127.0.0.1:8080).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const target = process.env.ONAIR_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here('./viewer'),
  base: '/',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: here('../dist/renderer/viewer'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': target,
      '/hls': target,
      '/dash': target,
      '/vod': target,
      '/socket.io': { target, ws: true },
    },
  },
});
