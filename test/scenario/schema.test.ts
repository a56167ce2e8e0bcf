import { describe, expect, it } from 'vitest';

import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';

interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  enum?: string[];
  required?: string[];
  additionalProperties?: unknown;
}

describe('scenarioJsonSchema', () => {
  const schema = scenarioJsonSchema() as JsonSchemaNode & { title: string };

  it('describes the file as written: strict objects, variants with the connection enum', () => {
    expect(schema.type).toBe('object');
    expect(schema.title).toBe('wirebench scenario');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'target', 'variants']);
    const variant = schema.properties?.variants?.items;
    expect(variant?.properties?.connection?.enum).toEqual([
      'http-fresh',
      'http-keepalive',
      'http2',
      'ws-persistent',
      'ws-per-request',
    ]);
    expect(variant?.properties?.protocol?.enum).toEqual([
      'openai-responses',
      'openai-chat',
      'openai-realtime',
      'anthropic-messages',
      'ollama-generate',
      'ollama-chat',
      'tgi-generate-stream',
      'generic',
    ]);
    expect(variant?.required).toEqual(['protocol', 'connection']);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
