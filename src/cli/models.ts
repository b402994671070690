import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerModels(program: Command): void {
  program
    .command('models')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('models is not implemented yet');
    });
}
