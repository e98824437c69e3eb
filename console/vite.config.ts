import { defineConfig } from 'vite';

/**
 * The console is served by the origin at /console/ (origin/console/serve-console.ts): hashed
 * file names under assets/ (cached for a year), no inline script (the CSP is script-src 'self').
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  // Preact's JSX runtime, without a framework plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The polyfill would be inlined into index.html; every browser the console supports has modulepreload.
    modulePreload: { polyfill: false },
    // Small images and fonts stay files: data: URLs in CSS are allowed, but files cache better.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 28080,
    proxy: { '/v1': 'http://127.0.0.1:8080', '/img': 'http://127.0.0.1:8080' },
  },
});
