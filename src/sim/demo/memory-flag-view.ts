/**
 * The demo's fleet reads its flags from the same in-memory flag store the tuner writes, as the real
 * binaries read Unleash: the dten-sync gate and backoff constants, and the dten-gateway hybrid flag.
 */
import type { MemoryFlags } from '../../flags/memory-flag-store.js';
import type { UnleashFlags } from '../dten-sync/unleash-flags.js';

/** A flag reader over `flags` for the dten-sync client (gate and tuning flag). */
export function memoryBackoffFlags(flags: MemoryFlags, gateFlag: string, tuneFlag: string): UnleashFlags {
  return {
    isGateOn: () => flags.read(gateFlag, undefined).enabled,
    tuningPayload: () => {
      const variant = flags.read(tuneFlag, undefined).strategy?.variants[0];
      return variant?.json === null || variant?.json === undefined ? undefined : JSON.stringify(variant.json);
    },
    destroy: () => undefined,
  };
}

/** Whether `flag` is on now. */
export function memoryFlagOn(flags: MemoryFlags, flag: string): () => boolean {
  return () => flags.read(flag, undefined).enabled;
}
