import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('merge is not implemented yet');
    });
}
