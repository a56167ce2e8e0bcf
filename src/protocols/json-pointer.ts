/**
 * JSON Pointer (RFC 6901) over parsed JSON, for the generic protocol's selectors. A pointer is parsed
 * once, when the protocol is configured, so selecting from each event is only property lookups.
 */

export class JsonPointerError extends Error {
  constructor(pointer: string, why: string) {
    super(`invalid JSON pointer ${JSON.stringify(pointer)}: ${why}`);
    this.name = 'JsonPointerError';
  }
}

/** An array index token: `0` or digits without a leading zero (RFC 6901 §4). */
const INDEX = /^(0|[1-9][0-9]*)$/;

export class JsonPointer {
  private readonly tokens: readonly string[];

  constructor(readonly pointer: string) {
    if (pointer === '') {
      this.tokens = [];
      return;
    }
    if (!pointer.startsWith('/')) throw new JsonPointerError(pointer, "it must be empty or start with '/'");
    this.tokens = pointer
      .slice(1)
      .split('/')
      .map((raw) => {
        if (/~(?![01])/.test(raw)) throw new JsonPointerError(pointer, "'~' must be followed by 0 or 1");
        // ~1 first: "~01" is the token "~1", not "/".
        return raw.replaceAll('~1', '/').replaceAll('~0', '~');
      });
  }

  /** The value `doc` holds at this pointer, or undefined when the path does not exist. */
  get(doc: unknown): unknown {
    let v = doc;
    for (const token of this.tokens) {
      if (Array.isArray(v)) {
        if (!INDEX.test(token)) return undefined;
        v = v[Number(token)];
      } else if (typeof v === 'object' && v !== null && Object.hasOwn(v, token)) {
        v = (v as Record<string, unknown>)[token];
      } else {
        return undefined;
      }
    }
    return v;
  }
}
