/**
 * `npm run dev`: the whole request path on one machine. Starts the origin from its TypeScript source
 * (tsx, so an edit needs no `npm run build`) and the edge Worker (`wrangler dev`, ORIGIN_URL pointing
 * at that origin), prefixes their logs, and stops both on Ctrl-C or when either exits. Ports: PORT
 * (origin, default 8080), EDGE_PORT (default 8787).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { npmScriptEnv } from '../bench/processes.ts';

const originPort = process.env.PORT ?? '8080';
const edgePort = process.env.EDGE_PORT ?? '8787';
const originUrl = `http://127.0.0.1:${originPort}`;
const quiet = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

const children = new Map<string, ChildProcess>();
let stopping = false;

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): void {
  // detached: each child leads its own process group, so stopping it also stops what it spawned
  // (tsx → node, wrangler → workerd).
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.set(name, child);
  const label = `[${name}]`.padEnd(9);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${label}${line}\n`);
    });
  }
  // A child that cannot start (e.g. npx not on PATH) emits only 'error'; unhandled, it would crash
  // this script and orphan the other, detached child.
  child.on('error', (error) => {
    children.delete(name);
    process.stdout.write(`${label}could not start: ${error.message}\n`);
    void stopAll(1);
  });
  child.on('exit', (code, signal) => {
    children.delete(name);
    process.stdout.write(`${label}exited (${signal ?? String(code)})\n`);
    void stopAll(code ?? 1);
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) signalGroup(child, 'SIGTERM');
  for (let waited = 0; children.size > 0 && waited < 5000; waited += 100) await sleep(100);
  for (const child of children.values()) signalGroup(child, 'SIGKILL');
  process.exit(exitCode);
}

async function announceWhenReady(): Promise<void> {
  for (let attempt = 0; attempt < 120 && !stopping; attempt += 1) {
    try {
      const response = await fetch(`http://127.0.0.1:${edgePort}/healthz`);
      if (response.ok) {
        process.stdout.write(`[dev]    ready: edge http://127.0.0.1:${edgePort} → origin ${originUrl} (Ctrl-C stops both)\n`);
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(500);
  }
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

start('origin', process.execPath, ['--import', 'tsx', 'origin/main.ts'], {
  ...process.env,
  ...(await npmScriptEnv('start')),
  PORT: originPort,
});
start(
  'edge',
  'npx',
  ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', edgePort, '--var', `ORIGIN_URL:${originUrl}`, '--show-interactive-dev-session=false'],
  {
    ...process.env,
    ...quiet,
  },
);
void announceWhenReady();
