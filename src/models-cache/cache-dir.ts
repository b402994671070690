import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The user cache of classes: $CLASSES_CACHE_DIR, else $XDG_CACHE_HOME/classes, else
 * ~/.cache/classes. Downloaded model sets live in <cache>/models/<set>/.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLASSES_CACHE_DIR) return resolve(env.CLASSES_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, 'classes');
  return join(env.HOME || homedir(), '.cache', 'classes');
}

export function modelSetDir(set: string, cache: string = cacheDir()): string {
  return join(cache, 'models', set);
}
