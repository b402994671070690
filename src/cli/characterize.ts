import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerCharacterize(program: Command): void {
  program
    .command('characterize')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('characterize is not implemented yet');
    });
}
