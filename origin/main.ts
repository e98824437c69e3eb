import { runProcess } from './run-process.ts';
import { startOrigin } from './server.ts';

/** `npm start`: the origin on embedded defaults unless the environment says otherwise. */
runProcess(
  'origin',
  async (config, logger) => {
    const origin = await startOrigin(config, logger);
    logger.info(`pixelfront origin listening on ${origin.url}`, { url: origin.url });
    return origin;
  },
  'finishing in-flight requests',
);
