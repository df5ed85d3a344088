/**
 * Targets that misbehave on purpose, for the tests of the sandbox itself (`decoder-sandbox.test.ts`):
 * an endless loop, a fatal abort, an undocumented exception, a documented one, and an echo.
 */
import type { FuzzTargets } from './fuzz-target.js';

/** The documented error of the self-test targets. */
class SelfTestRefusal extends Error {
  override readonly name = 'SelfTestRefusal';
  readonly code = 'refused_on_purpose';
}

/** The self-test targets by name. */
export const SELF_TEST_TARGETS: FuzzTargets = {
  'self-test:echo': { run: (input) => ({ bytes: input.length, first: input[0] ?? -1 }), documented: () => false },
  'self-test:loop': {
    run: () => {
      for (;;) {
        // Spins until the sandbox is killed.
      }
    },
    documented: () => false,
  },
  'self-test:abort': {
    run: () => {
      process.stderr.write('self-test: aborting on purpose\n');
      process.abort();
    },
    documented: () => false,
  },
  'self-test:throw': {
    run: () => {
      throw new TypeError('thrown on purpose');
    },
    documented: () => false,
  },
  'self-test:refuse': {
    run: () => {
      throw new SelfTestRefusal('refused on purpose');
    },
    documented: (error) => error instanceof SelfTestRefusal,
  },
};
