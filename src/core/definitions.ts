/**
 * Other benchmark tools' definitions of the same words (`run --definitions`, docs/definitions.md): which
 * tools wirebench can speak, the metrics each defines, their names, units and formulas. The metric
 * catalog (catalog.ts) is wirebench's own language; this is the phrasebook beside it.
 */
export const DEFINITIONS = ['vllm', 'aiperf', 'guidellm'] as const;
export type Definition = (typeof DEFINITIONS)[number];

/** The metrics' keys in result.json's `definitions.<tool>` blocks (each tool has some of them). */
export const DEFINITION_METRICS = [
  'ttft_ms',
  'itl_ms',
  'icl_ms',
  'tpot_ms',
  'e2el_ms',
  'request_latency_ms',
  'output_tps_per_user',
] as const;
export type DefinitionMetric = (typeof DEFINITION_METRICS)[number];

/**
 * What one sample is, which decides what the tool's mean and percentiles are over: one value per
 * `request`; every chunk `gap` of every request pooled; or per-request values `weighted` by tokens.
 */
export type DefinitionSamples = 'request' | 'gap' | 'weighted';

export interface DefinitionMetricInfo {
  key: DefinitionMetric;
  /** What the tool calls it in its summary (`TPOT`, `ICL`). */
  name: string;
  unit: 'ms' | 'tok/s';
  /** The field the tool writes it under (its result file or metric tag), to find the number to compare. */
  field: string;
  samples: DefinitionSamples;
  /** The tool's formula, in wirebench's words. */
  formula: string;
}

export interface DefinitionInfo {
  /** The tool as users know it. */
  tool: string;
  /** The source the formulas were read from, at the commit read (docs/definitions.md lists every file). */
  source: string;
  metrics: readonly DefinitionMetricInfo[];
}

const VLLM = 'https://github.com/vllm-project/vllm/blob';
const AIPERF = 'https://github.com/ai-dynamo/aiperf/tree/db4f6397d11ee2d4cfbb41f70b2327315163dcf0';
const GUIDELLM = 'https://github.com/vllm-project/guidellm/blob/ee7a77457ba668b4b5ccb40f110518829893b36a';

export const DEFINITION_INFO: Readonly<Record<Definition, DefinitionInfo>> = {
  vllm: {
    tool: 'vLLM bench serve',
    source: `${VLLM}/def9ce85ba1079af970a58ed3d42dd861ae35d58/vllm/benchmarks/serve.py`,
    metrics: [
      {
        key: 'ttft_ms',
        name: 'TTFT',
        unit: 'ms',
        field: 'ttfts / mean_ttft_ms',
        samples: 'request',
        formula: 'send to the first SSE message with non-empty choices (a Chat Completions role chunk counts)',
      },
      {
        key: 'tpot_ms',
        name: 'TPOT',
        unit: 'ms',
        field: 'mean_tpot_ms',
        samples: 'request',
        formula: '(E2EL - TTFT) / (output tokens - 1), requests of 2+ tokens; tokens: usage, else re-tokenized text',
      },
      {
        key: 'itl_ms',
        name: 'ITL',
        unit: 'ms',
        field: 'itls / mean_itl_ms',
        samples: 'gap',
        formula: 'gap between consecutive messages with non-empty choices, every request pooled',
      },
      {
        key: 'e2el_ms',
        name: 'E2EL',
        unit: 'ms',
        field: 'mean_e2el_ms',
        samples: 'request',
        formula: 'send to the last message with non-empty choices (not the usage chunk or [DONE])',
      },
    ],
  },
  aiperf: {
    tool: 'AIPerf',
    source: `${AIPERF}/aiperf/metrics/types`,
    metrics: [
      {
        key: 'ttft_ms',
        name: 'TTFT',
        unit: 'ms',
        field: 'time_to_first_token',
        samples: 'request',
        formula: 'send to the first response with non-empty content or reasoning',
      },
      {
        key: 'itl_ms',
        name: 'ITL',
        unit: 'ms',
        field: 'inter_token_latency',
        samples: 'request',
        formula: '(request latency - TTFT) / (output sequence length - 1), requests of 2+ tokens',
      },
      {
        key: 'icl_ms',
        name: 'ICL',
        unit: 'ms',
        field: 'inter_chunk_latency',
        samples: 'gap',
        formula: 'gap between consecutive non-empty responses, every request pooled',
      },
      {
        key: 'request_latency_ms',
        name: 'request latency',
        unit: 'ms',
        field: 'request_latency',
        samples: 'request',
        formula: 'send to the last non-empty response',
      },
      {
        key: 'output_tps_per_user',
        name: 'output TPS/user',
        unit: 'tok/s',
        field: 'output_token_throughput_per_user',
        samples: 'request',
        formula: '1 / ITL',
      },
    ],
  },
  guidellm: {
    tool: 'GuideLLM',
    source: `${GUIDELLM}/src/guidellm/schemas/request_stats.py`,
    metrics: [
      {
        key: 'ttft_ms',
        name: 'TTFT',
        unit: 'ms',
        field: 'time_to_first_token_ms',
        samples: 'request',
        formula: 'send to the first chunk with content, reasoning or a tool call',
      },
      {
        key: 'itl_ms',
        name: 'ITL',
        unit: 'ms',
        field: 'inter_token_latency_ms',
        samples: 'weighted',
        formula:
          '(last token chunk - first) / (output tokens - 1), weighted by output tokens - 1; tokens: usage, else chunks',
      },
      {
        key: 'tpot_ms',
        name: 'TPOT',
        unit: 'ms',
        field: 'time_per_output_token_ms',
        samples: 'weighted',
        formula: '(last token chunk - send) / output tokens, weighted by output tokens',
      },
      {
        key: 'request_latency_ms',
        name: 'request latency',
        unit: 'ms',
        field: 'request_latency (s)',
        samples: 'request',
        formula: 'send to the end of the stream',
      },
    ],
  },
};

export function isDefinition(name: string): name is Definition {
  return Object.hasOwn(DEFINITION_INFO, name);
}

/** `vllm TPOT ms`: a row of the terminal's and the reports' tables. */
export const definitionLabel = (d: Definition, m: DefinitionMetricInfo): string => `${d} ${m.name} ${m.unit}`;
