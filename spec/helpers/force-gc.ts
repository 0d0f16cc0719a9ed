// A full garbage collection from inside Jest (which runs without --expose-gc), for the specs that
// check memory returns to its baseline.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function forceGc(): void {
  // Two passes: the first may only queue finalizers that the second frees.
  gc();
  gc();
}
