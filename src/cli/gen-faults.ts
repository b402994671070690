import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerGenFaults(program: Command): void {
  program
    .command('gen-faults')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('gen-faults is not implemented yet');
    });
}
