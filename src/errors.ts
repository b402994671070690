/**
 * The one error type of the project. It carries the exit code the CLI should use and a
 * message that names the input at fault and how to fix it. The CLI prints `message` on one
 * line without a stack trace.
 */
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

export class ClassesError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_RUNTIME, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClassesError';
    this.exitCode = exitCode;
  }
}

/** A mistake in what the user asked for (bad flag, bad value, unknown name): exit code 2. */
export function usageError(message: string): ClassesError {
  return new ClassesError(message, EXIT_USAGE);
}

/** A failure while doing what was asked (bad file, runtime failure): exit code 1. */
export function runtimeError(message: string, cause?: unknown): ClassesError {
  return new ClassesError(message, EXIT_RUNTIME, cause === undefined ? undefined : { cause });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
