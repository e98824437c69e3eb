/** The pure parts of bench/overhead.ts: its request plan, its options and its environment check. */

/** The ops of request `index` in round `round`: 200 widths, and a quality of its own per round so every round's variants are new. */
export function overheadOps(round: number, index: number): { width: number; q: number | undefined; ops: string } {
  const width = 700 - (index % 200);
  const q = round === 0 ? undefined : 80 - round;
  return { width, q, ops: q === undefined ? `w_${width}` : `w_${width},q_${q}` };
}

export function parseOverheadOptions(argv: readonly string[]): { requests: number; rounds: number } {
  const valued = (name: string, fallback: number) => {
    const raw = argv.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
    if (raw === undefined) return fallback;
    if (!/^[1-9]\d{0,4}$/.test(raw)) throw new Error(`${name} takes a whole number from 1 to 99999, got "${raw}"`);
    return Number(raw);
  };
  const unknown = argv.filter((arg) => !/^--(requests|rounds)=/.test(arg));
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(' ')} (use --requests=N, --rounds=N)`);
  const rounds = valued('--rounds', 2);
  // Each round after the first lowers q by one: 20 keep it within a JPEG quality near the default.
  if (rounds > 20) throw new Error(`--rounds takes at most 20, got ${rounds}`);
  return { requests: valued('--requests', 200), rounds };
}

/** The start script's variables this process lacks (sharp reads MALLOC_ARENA_MAX when it loads, V8 NODE_OPTIONS at start). */
export function missingEnv(wanted: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(wanted).filter(([name, value]) => env[name] !== value));
}
