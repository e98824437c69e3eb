import { pino, stdTimeFunctions, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { currentLogFields } from './log-scope.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * What the rest of the code logs through: a message and flat fields. pino stays behind it, so a
 * call site is `logger.warn('variant write-back failed', { key })` and never names pino.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Where lines go: a pino destination stream, or (tests) a function given each line without its newline. */
export type LogDestination = DestinationStream | ((line: string) => void);

/**
 * JSON lines (`time`, `level` as a name, `msg`, fields) on stdout, or human-readable lines when
 * stdout is a terminal. Every line carries the ids of the request or job it was written for
 * (log-scope.ts), so `grep <request id>` finds all of them.
 */
export function createLogger(level: LogLevel, destination: LogDestination = standardOutput()): Logger {
  const stream = typeof destination === 'function' ? lineWriter(destination) : destination;
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: currentLogFields,
    },
    stream,
  );
  return {
    debug: (message, fields = {}) => base.debug(fields, message),
    info: (message, fields = {}) => base.info(fields, message),
    warn: (message, fields = {}) => base.warn(fields, message),
    error: (message, fields = {}) => base.error(fields, message),
  };
}

/** A terminal gets pino-pretty in this process (no transport thread); anything else the JSON itself. */
function standardOutput(): DestinationStream {
  if (process.stdout.isTTY) return pretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', sync: true });
  return pino.destination({ fd: 1, sync: false });
}

function lineWriter(write: (line: string) => void): DestinationStream {
  return { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
}
