import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('profile is not implemented yet');
    });
}
