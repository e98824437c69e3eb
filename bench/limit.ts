import { fork } from 'node:child_process';
import type { LimitReply, RunnerJob } from './limit-runner.ts';
import { repoRoot } from './processes.ts';

export interface LimitProcess {
  pid: number;
  concurrency: number;
  run(job: RunnerJob): Promise<LimitReply>;
  stop(): Promise<void>;
}

/** Forks bench/limit-runner.ts with the origin's environment and waits until its sources are loaded. */
export async function startLimit(corpus: string, env: NodeJS.ProcessEnv): Promise<LimitProcess> {
  const child = fork('bench/limit-runner.ts', [corpus], {
    cwd: repoRoot,
    env,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not fork the limit runner');
  const ready = await new Promise<{ concurrency: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { concurrency: number }));
    child.once('exit', (code) => reject(new Error(`limit runner exited (${String(code)})`)));
  });
  return {
    pid,
    concurrency: ready.concurrency,
    run(job) {
      return new Promise<LimitReply>((resolve) => {
        child.once('message', (message) => resolve(message as LimitReply));
        child.send(job);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
