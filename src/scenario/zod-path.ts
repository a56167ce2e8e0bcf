/**
 * Finds what a zod schema expects at a data path, for error hints (the keys an object allows) and for
 * typing `${env:…}` results. Reads zod 4's `_zod.def`, which is how zod's own JSON Schema generator walks.
 */
import type * as z from 'zod';

type Path = readonly PropertyKey[];

interface Def {
  type: string;
  shape?: Record<string, Node>;
  element?: Node;
  innerType?: Node;
  in?: Node;
  options?: Node[];
  valueType?: Node;
}
interface Node {
  _zod: { def: Def };
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The concrete schemas a node may stand for: wrappers and pipes unwrapped, unions spread. */
function concrete(node: Node): Node[] {
  const def = node._zod.def;
  if (WRAPPERS.has(def.type) && def.innerType) return concrete(def.innerType);
  if (def.type === 'pipe' && def.in) return concrete(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(concrete);
  return [node];
}

function step(node: Node, key: PropertyKey): Node | undefined {
  const def = node._zod.def;
  if (def.type === 'object') return typeof key === 'string' ? def.shape?.[key] : undefined;
  if (def.type === 'array') return typeof key === 'number' ? def.element : undefined;
  if (def.type === 'record') return def.valueType;
  return undefined;
}

/** The schemas that may apply at `path` (none: no form of the schema has it). */
export function schemasAt(schema: z.ZodType, path: Path): Node[] {
  let nodes = concrete(schema);
  for (const key of path) {
    nodes = nodes.flatMap((n) => {
      const next = step(n, key);
      return next ? concrete(next) : [];
    });
  }
  return nodes;
}

/** The keys the object at `path` allows (empty when it is not a fixed-shape object). */
export function keysAt(schema: z.ZodType, path: Path): string[] {
  const keys = schemasAt(schema, path).flatMap((n) => Object.keys(n._zod.def.shape ?? {}));
  return [...new Set(keys)];
}

/** 'number' or 'boolean' when every schema that may apply at `path` expects that scalar type. */
export function scalarTypeAt(schema: z.ZodType, path: Path): 'number' | 'boolean' | undefined {
  const types = new Set(schemasAt(schema, path).map((n) => n._zod.def.type));
  if (types.size !== 1) return undefined;
  const [type] = types;
  return type === 'number' || type === 'boolean' ? type : undefined;
}
