import type { Command } from 'commander';
import { runtimeError } from '../errors.js';

// PLACEHOLDER: replaced by the real command. Must not survive to a release.
export function registerRunCampaign(program: Command): void {
  program
    .command('run-campaign')
    .description('(not built yet)')
    .action(() => {
      throw runtimeError('run-campaign is not implemented yet');
    });
}
