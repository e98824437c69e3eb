import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './origin.ts';

/** The ```sh blocks of one `<!-- section:NAME -->` of the README, in order. */
export async function readmeShellBlocks(section: string): Promise<string[]> {
  const readme = await readFile(`${repoRoot}README.md`, 'utf8');
  const match = new RegExp(`<!-- section:${section} -->([\\s\\S]*?)<!-- /section:${section} -->`).exec(readme);
  if (!match?.[1]) throw new Error(`README has no section ${section}`);
  return [...match[1].matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1] ?? '');
}

export interface ShellRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a README example with bash in `cwd`, the README's origin address replaced by `url`. The
 * example runs as pasted, except that curl fails on an HTTP error (`--fail-with-body`) and the
 * script stops at the first failing command, so a broken example cannot pass. Output goes to
 * files, as on a terminal: `tee /dev/stderr` cannot open a socket, which is what a pipe to a
 * Node child is.
 */
export async function runExample(script: string, url: string, cwd: string): Promise<ShellRun> {
  const body = script.replaceAll('http://127.0.0.1:8080', url);
  const preamble = 'set -eu\ncurl() { command curl --fail-with-body "$@"; }\n';
  const outPath = join(cwd, '.stdout');
  const errPath = join(cwd, '.stderr');
  const [out, err] = await Promise.all([open(outPath, 'w'), open(errPath, 'w')]);
  try {
    const child = spawn('bash', ['-c', preamble + body], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: cwd },
      stdio: ['ignore', out.fd, err.fd],
      timeout: 30_000, // below the test's own timeout: a hanging example fails with its output
    });
    const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
    return { code, stdout: await readFile(outPath, 'utf8'), stderr: await readFile(errPath, 'utf8') };
  } finally {
    await Promise.all([out.close(), err.close()]);
  }
}
