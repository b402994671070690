import chalk, { chalkStderr } from 'chalk';

/** chalk colours stdout only on a TTY; chalkStderr does the same for stderr. */
export const out = chalk;
export const err = chalkStderr;

export function printError(message: string): void {
  process.stderr.write(`${err.red('classes: error:')} ${message}\n`);
}

export function printWarning(message: string): void {
  process.stderr.write(`${err.yellow('classes: warning:')} ${message}\n`);
}

export function printNotice(message: string): void {
  process.stderr.write(`classes: ${message}\n`);
}
