/**
 * `npm run console:build`, and `prepare` (so `npm install` and `npm ci` build the console): the
 * web console's production build into console/dist, which the origin serves at /console/. A
 * production install (`npm ci --omit=dev`) has no Vite; there it says so and leaves the build to
 * the stage that has dev dependencies (Dockerfile.origin).
 */
import { fileURLToPath } from 'node:url';

const configFile = fileURLToPath(new URL('../console/vite.config.ts', import.meta.url));

let vite: typeof import('vite');
try {
  vite = await import('vite');
} catch {
  console.log('console: vite is not installed (production install), so the console is not built here');
  process.exit(0);
}
await vite.build({ configFile, logLevel: 'warn' });
console.log('console: built into console/dist');
