import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console bundle: console/ → dist/console/, served by the api role at /console (src/interfaces/http/console-routes.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Everything in the bundle: no CDN, nothing fetched from elsewhere at run time.
    assetsInlineLimit: 0,
  },
});
