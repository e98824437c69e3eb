/**
 * `npm run console:build` (also part of `prepare`, so `npm install` and `npm ci` build it): the web
 * console's production build into console/dist, which the origin serves at /console/.
 * Production installs skip it (`npm ci --omit=dev --ignore-scripts`: there is no Vite there);
 * Dockerfile.origin builds it in a stage of its own and copies only the output.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

await build({ configFile: fileURLToPath(new URL('../console/vite.config.ts', import.meta.url)), logLevel: 'warn' });
console.log('console: built into console/dist');
