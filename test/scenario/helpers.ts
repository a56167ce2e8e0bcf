import { expect } from 'vitest';

import { parseScenario } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/shared/input-error.js';

/** The error a scenario text must be rejected with (as file `bad.yaml`); fails the test if it parses. */
export function scenarioFailure(text: string, env: Record<string, string> = {}): ScenarioError {
  try {
    parseScenario(text, 'bad.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}
