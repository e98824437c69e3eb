import { z } from 'zod';

/**
 * zod schemas as JSON Schema 2020-12 (what OpenAPI 3.1 uses) for `components.schemas`: each
 * conversion's `$defs` (schemas with a `.meta({ id })`, and the anonymous ones zod makes for
 * recursion) are hoisted into one shared set and `$ref`s point there.
 */
export type JsonSchema = { [key: string]: unknown };

const COMPONENTS = '#/components/schemas/';
const SAFE = Number.MAX_SAFE_INTEGER;

/** The recursive JSON value of z.json(), which zod leaves anonymous; named here once. */
const jsonValueDef = normalised(anonymousDef(z.toJSONSchema(z.record(z.string(), z.json()), { target: 'draft-2020-12' })));

export class SchemaComponents {
  private readonly schemas = new Map<string, JsonSchema>();

  /**
   * The JSON Schema of `schema` as a request (`input`: before transforms and defaults) or a
   * response (`output`) would carry it; a schema with an id becomes a `$ref`.
   */
  convert(schema: z.ZodType, io: 'input' | 'output', owner: string): JsonSchema {
    const {
      $defs = {},
      $schema: _,
      ...root
    } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    const names = new Map<string, string>();
    const anonymous = Object.keys($defs).filter((name) => name.startsWith('__schema'));
    for (const name of anonymous) names.set(name, anonymousName(name, $defs, owner));
    for (const [name, def] of Object.entries($defs)) {
      // A request's schema may differ from the response's of the same id (transforms, strictness).
      if (!names.has(name)) names.set(name, io === 'input' && this.differs(name, rewriteRefs(def, names)) ? `${name}Input` : name);
    }
    const rewrite = (value: unknown): unknown => rewriteRefs(value, names);
    for (const [name, def] of Object.entries($defs)) this.add(names.get(name) ?? name, rewrite(def) as JsonSchema);
    return rewrite(root) as JsonSchema;
  }

  /** Everything converted so far, by name, sorted for a stable document. */
  all(): Record<string, JsonSchema> {
    return Object.fromEntries([...this.schemas.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  private differs(name: string, def: unknown): boolean {
    const known = this.schemas.get(name);
    return known !== undefined && JSON.stringify(known) !== JSON.stringify(def);
  }

  private add(name: string, schema: JsonSchema): void {
    const known = this.schemas.get(name);
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(schema)) {
      throw new Error(`two different schemas are both named ${name}: give one another .meta({ id })`);
    }
    this.schemas.set(name, schema);
  }
}

/** `#/$defs/X` → `#/components/schemas/<name of X>`; drops zod's ±MAX_SAFE_INTEGER bounds of every integer. */
function rewriteRefs(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((entry) => rewriteRefs(entry, names));
  if (typeof value !== 'object' || value === null) return value;
  const out: JsonSchema = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key === '$ref' && typeof entry === 'string' && entry.startsWith('#/$defs/')) {
      const name = entry.slice('#/$defs/'.length);
      out[key] = COMPONENTS + (names.get(name) ?? name);
    } else if ((key === 'minimum' && entry === -SAFE) || (key === 'maximum' && entry === SAFE)) {
      continue;
    } else {
      out[key] = rewriteRefs(entry, names);
    }
  }
  return out;
}

function anonymousName(name: string, defs: Record<string, JsonSchema>, owner: string): string {
  return normalised({ [name]: defs[name] ?? {} }) === jsonValueDef ? 'JsonValue' : `${owner}${name.replace('__schema', 'Def')}`;
}

function anonymousDef(schema: unknown): Record<string, JsonSchema> {
  const defs = (schema as { $defs?: Record<string, JsonSchema> }).$defs ?? {};
  return Object.fromEntries(Object.entries(defs).filter(([name]) => name.startsWith('__schema')));
}

/** One anonymous def as text, with its own name replaced, to compare it whatever zod numbered it. */
function normalised(defs: Record<string, JsonSchema>): string {
  const [name = '', def] = Object.entries(defs)[0] ?? [];
  return JSON.stringify(def).replaceAll(`"#/$defs/${name}"`, '"SELF"');
}
