/**
 * A scenario's variants: protocol, connection policy, headers, TLS options and, for `generic`, the
 * protocol's configuration — each checked against what the protocol can do.
 */
import * as z from 'zod';

import { CONNECTION_POLICIES } from '../core/types.js';
import { genericAdapter, type GenericConfig, GenericConfigError } from '../protocols/generic.js';
import { httpCapable, PROTOCOL_KINDS, wsCapable } from '../protocols/registry.js';
import { Headers, Name, TlsSchema } from './fields.js';
import { OUTPUT_KNOBS } from './workload-schema.js';

/** The registry is the one list of protocols; the schema only reads it. `generic` is configured per variant. */
const PROTOCOLS = [...PROTOCOL_KINDS, 'generic'] as const;
/** Protocols whose adapter has a WebSocket mode: the only ones `ws-*` connections can use. */
const WS_PROTOCOLS: readonly string[] = PROTOCOL_KINDS.filter(wsCapable);
/** Protocols with an HTTP mode: the only ones `http-*` connections can use (Realtime is WebSocket only). */
const HTTP_PROTOCOLS: readonly string[] = PROTOCOL_KINDS.filter(httpCapable);

const Pointer = z.string().regex(/^(\/.*)?$/, { error: 'expected a JSON pointer such as /message/content' });
const JsonTemplate = z.record(z.string(), z.unknown());

const GenericSchema = z
  .strictObject({
    path: z.string().startsWith('/').describe('request path, e.g. /api/generate'),
    method: z.literal('POST').optional(),
    headers: Headers.optional(),
    body: JsonTemplate.describe(
      'JSON body; strings may use {{prompt}}, {{model}}, {{max_tokens}} ("{{max_tokens}}" alone becomes a number, "{{messages}}" alone the [{role, content}] list)',
    ),
    response: z.enum(['sse', 'ndjson']),
    select: z.strictObject({
      delta: Pointer.describe('JSON pointer to the delta text of an event'),
      done: z
        .strictObject({ pointer: Pointer, equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional() })
        .optional()
        .describe('the event that ends the response (SSE also ends on [DONE]); none: the end of the body'),
      usage_output: Pointer.optional(),
      usage_input: Pointer.optional(),
    }),
    ws: z.strictObject({ path: z.string().startsWith('/'), message: JsonTemplate }).optional(),
  })
  .describe('protocol: generic — a templated request and JSON-pointer selectors (Ollama, TGI, custom servers)');

const VariantSchema = z
  .strictObject({
    name: Name.optional().describe('defaults to the connection name'),
    protocol: z.enum(PROTOCOLS),
    connection: z.enum(CONNECTION_POLICIES),
    headers: Headers.default({}).describe('merged over the top-level headers'),
    per_message_deflate: z.boolean().optional().describe('offer permessage-deflate (WebSocket connections only)'),
    tls: TlsSchema.optional().describe('merged over the top-level tls'),
    generic: GenericSchema.optional(),
    exact_output: z
      .array(z.enum(OUTPUT_KNOBS))
      .optional()
      .describe("this variant's exact-output body fields, instead of request.exact_output ([] sends none)"),
  })
  .superRefine((v, ctx) => {
    const ws = v.connection.startsWith('ws-');
    if ((v.protocol === 'generic') !== (v.generic !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['generic'],
        message:
          v.protocol === 'generic'
            ? 'protocol generic needs its generic: configuration'
            : `generic: applies to protocol generic only, not ${v.protocol}`,
      });
    } else if (v.generic !== undefined) {
      try {
        genericAdapter(v.generic as GenericConfig);
      } catch (err) {
        if (!(err instanceof GenericConfigError)) throw err;
        ctx.addIssue({ code: 'custom', path: ['generic'], message: err.message });
      }
      if (ws && v.generic.ws === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['connection'],
          message: `connection ${v.connection} needs generic.ws (a WebSocket mode)`,
        });
      }
    } else if (!ws && !HTTP_PROTOCOLS.includes(v.protocol)) {
      ctx.addIssue({
        code: 'custom',
        path: ['connection'],
        message: `connection ${v.connection} needs a protocol with an HTTP mode; ${v.protocol} is WebSocket only (use ws-persistent or ws-per-request)`,
      });
    } else if (ws && !WS_PROTOCOLS.includes(v.protocol)) {
      ctx.addIssue({
        code: 'custom',
        path: ['connection'],
        message: `connection ${v.connection} needs a protocol with a WebSocket mode (${WS_PROTOCOLS.join(', ')}); ${v.protocol} has none`,
      });
    }
    // `false` stays valid on HTTP so that a parsed scenario (defaults filled in) parses again unchanged.
    if (!ws && v.per_message_deflate === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['per_message_deflate'],
        message: `per_message_deflate applies to WebSocket connections only; ${v.connection} is HTTP`,
      });
    }
  })
  .transform((v) => ({
    name: v.name ?? v.connection,
    protocol: v.protocol,
    connection: v.connection,
    headers: v.headers,
    per_message_deflate: v.per_message_deflate ?? false,
    tls: v.tls,
    ...(v.generic !== undefined ? { generic: v.generic as GenericConfig } : {}),
    ...(v.exact_output !== undefined ? { exact_output: v.exact_output } : {}),
  }));

export const Variants = z
  .array(VariantSchema)
  .min(1)
  .max(16)
  .superRefine((variants, ctx) => {
    const seen = new Map<string, number>();
    variants.forEach((v, i) => {
      const first = seen.get(v.name);
      if (first === undefined) seen.set(v.name, i);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate variant name "${v.name}" (variants[${first}] has it too); names must be unique`,
        });
      }
    });
  });
