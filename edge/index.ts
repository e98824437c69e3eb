import { createEdgeApp } from './app.ts';

/**
 * The Worker entry (wrangler.toml `main`). The app holds no configuration: every request reads
 * its bindings from `c.env` (see edge/config.ts).
 */
export default createEdgeApp();
