import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));

export interface Server {
  url: string;
  /** The process that serves (for /proc/<pid>/status), not a wrapper such as npm or tsx. */
  pid: number;
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts a command and resolves once a stdout line yields its URL. With `leaf`, the serving pid
 * is the deepest descendant (npm → node), so its RSS is the server's own.
 */
export async function startServer(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; urlPattern: RegExp; leaf?: boolean },
): Promise<Server> {
  const child = spawn(command, args, { cwd: repoRoot, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  createInterface({ input: child.stderr }).on('line', keep);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start within 60 s:\n${lines.join('\n')}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${command} exited (${String(code)}):\n${lines.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      const match = options.urlPattern.exec(line);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const pid = options.leaf ? await deepestDescendant(requirePid(child)) : requirePid(child);
  return {
    url,
    pid,
    log: () => lines.join('\n'),
    stop: () => stopProcess(child, pid),
  };
}

function requirePid(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('the child process has no pid');
  return child.pid;
}

async function deepestDescendant(pid: number): Promise<number> {
  let current = pid;
  for (let depth = 0; depth < 8; depth++) {
    const children = await readFile(`/proc/${current}/task/${current}/children`, 'utf8').catch(() => '');
    const first = children.trim().split(/\s+/).filter(Boolean).map(Number)[0];
    if (first === undefined) return current;
    current = first;
  }
  return current;
}

/** SIGTERM to the server itself (the origin drains and exits); the wrappers follow it. */
async function stopProcess(child: ChildProcess, pid: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The variables `scripts/process-env.sh` sets (the allocator and runtime settings every
 * pixelfront process runs with): the script is run with a bare environment and prints its own.
 */
export function processEnv(): Record<string, string> {
  const printed = execFileSync('sh', ['scripts/process-env.sh', 'env', '-0'], { cwd: repoRoot, env: { PATH: process.env['PATH'] ?? '' } });
  return Object.fromEntries(
    printed
      .toString()
      .split('\0')
      .map((line) => line.split(/=(.*)/s, 2) as [string, string])
      .filter(([name, value]) => value !== undefined && !shellOwn.has(name)),
  );
}

/** What the shell and `env` add of their own, not settings of the script. */
const shellOwn = new Set(['PATH', 'PWD', 'OLDPWD', 'SHLVL', '_']);

/**
 * The environment a package.json script sets for its process (`start`: the origin, `worker`: the
 * worker pool): both run through scripts/process-env.sh, which the check below keeps true.
 */
export async function npmScriptEnv(name: 'start' | 'worker'): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { scripts?: Record<string, string> };
  const script = manifest.scripts?.[name] ?? '';
  if (!/^exec sh scripts\/process-env\.sh node /.test(script))
    throw new Error(`npm run ${name} no longer runs through scripts/process-env.sh: ${script}`);
  return processEnv();
}

export function startScriptEnv(): Promise<Record<string, string>> {
  return npmScriptEnv('start');
}
