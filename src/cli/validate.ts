import type { Command } from 'commander';

import { openDataset } from '../run/run-inputs.js';
import { scenarioJsonSchema } from '../scenario/json-schema.js';
import { loadScenario } from '../scenario/load.js';

export function validateCommand(cli: Command): void {
  cli
    .command('validate')
    .description('check a scenario file and its dataset (every record); prints what is wrong (exit 2) or ok')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .action(async (file: string) => {
      const { scenario } = loadScenario(file);
      await openDataset(file, scenario);
      process.stdout.write('ok\n');
    });
}

export function schemaCommand(cli: Command): void {
  cli
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
    });
}
