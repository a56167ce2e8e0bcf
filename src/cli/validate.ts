import type { Command } from 'commander';

import { openDataset } from '../run/run-inputs.js';
import { outsideAssignments } from '../scenario/assignments.js';
import { scenarioJsonSchema } from '../scenario/json-schema.js';
import { checkScenario, loadScenario } from '../scenario/load.js';
import { formatPath } from '../shared/input-error.js';

export function validateCommand(cli: Command): void {
  cli
    .command('validate')
    .description('check a scenario file and its dataset (every record); prints what is wrong (exit 2) or ok')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option(
      '--no-env',
      'ignore the environment (no ${env:…} or WIREBENCH_… values): check a scenario before its secrets exist',
    )
    .action(async (file: string, flags: { env: boolean }) => {
      if (!flags.env) {
        const { scenario, unchecked } = checkScenario(file);
        // The dataset is checked too when the fields around it parsed.
        if (scenario !== undefined) await openDataset(file, scenario);
        const note =
          unchecked.length > 0 ? ` (unset variables, not checked: ${unchecked.map(formatPath).join(', ')})` : '';
        process.stdout.write(`ok${note}\n`);
        return;
      }
      // What `run` would run: the WIREBENCH_… variables apply here too.
      const assignments = outsideAssignments(process.env, []);
      const { scenario } = loadScenario(file, process.env, { assignments });
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
