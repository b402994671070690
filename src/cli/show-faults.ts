import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerShowFaults(program: Command): void {
  program
    .command('show-faults')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('show-faults is not implemented yet');
    });
}
