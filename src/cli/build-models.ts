import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerBuildModels(program: Command): void {
  program
    .command('build-models')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('build-models is not implemented yet');
    });
}
