import * as z from 'zod';

import { ScenarioSchema } from './schema.js';

/**
 * The JSON Schema of scenario files, as they are written (defaults optional), for editors and
 * `wirebench schema`. Cross-field rules (exactly one of prompt / prompt_tokens, …) are checked only by
 * `wirebench validate`.
 */
export function scenarioJsonSchema(): object {
  return {
    ...z.toJSONSchema(ScenarioSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'wirebench scenario',
  };
}
