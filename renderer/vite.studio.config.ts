// Builds Onair Studio's renderer (renderer/studio) into dist/renderer/studio, which the desktop app loads from its
// onair-studio:// scheme and the dev bridge serves to tests. `npm run dev:studio` serves it from source instead:
// the dev bridge runs vite with this config in middleware mode (electron/dev-bridge/main.ts), on one address.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./studio'),
  base: './',
  publicDir: false,
  plugins: [react()],
  // Loaded on demand (the WebAssembly AAC encoder); listed so the dev server bundles them at start instead of
  // reloading the page when the engine first imports them.
  optimizeDeps: { include: ['mediabunny', '@mediabunny/aac-encoder'] },
  build: {
    outDir: here('../dist/renderer/studio'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
    // A script asset is never inlined as a data: URL: index.html's Content-Security-Policy allows scripts from 'self'
    // only, so a small module loaded by URL (the encoder's AudioWorklet, engine/encode/pcm-tap.worklet.js, under the
    // default 4 KiB limit) would be refused in the build and the engine mode would send nothing.
    assetsInlineLimit: (file) => (/\.[cm]?[jt]s$/.test(file) ? false : undefined),
  },
});
