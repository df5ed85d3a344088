/**
 * The sandbox child process of the fuzz tests (started by `decoder-sandbox.ts` with tsx): it loads
 * every fuzz target, says it is ready, then runs one input at a time and answers how it went. A
 * decoder that hangs, exhausts memory or aborts V8 takes only this process down; the test names the
 * input that did it.
 */
import { performance } from 'node:perf_hooks';
import type { FuzzTarget, FuzzTargets } from './fuzz-target.js';
import { errorFacts } from './fuzz-target.js';
import type { SandboxOutcome, SandboxReady, SandboxReply, SandboxRequest, TargetModule } from './sandbox-protocol.js';

/** How to load each module of targets (loaded at start, only those the test asked for on the command line). */
const MODULES: Readonly<Record<TargetModule, () => Promise<FuzzTargets>>> = {
  push: async () => (await import('./push-targets.js')).PUSH_TARGETS,
  pull: async () => (await import('./pull-targets.js')).PULL_TARGETS,
  text: async () => (await import('./text-targets.js')).TEXT_TARGETS,
  http: async () => (await import('./http-targets.js')).HTTP_TARGETS,
  'self-test': async () => (await import('./self-test-targets.js')).SELF_TEST_TARGETS,
};

const requested = process.argv.slice(2).filter((name): name is TargetModule => Object.hasOwn(MODULES, name));
const TARGETS: FuzzTargets = Object.assign({}, ...(await Promise.all(requested.map((name) => MODULES[name]()))));

async function outcomeOf(target: FuzzTarget, request: SandboxRequest): Promise<SandboxOutcome> {
  try {
    return { kind: 'decoded', facts: await target.run(request.input, request.params) };
  } catch (error) {
    if (!target.documented(error)) return { kind: 'crashed', error: errorFacts(error) };
    const facts = errorFacts(error);
    return { kind: 'refused', error: { ...facts, fields: { ...facts.fields, ...target.refusalFacts?.(error, request.input) } } };
  }
}

async function handle(request: SandboxRequest): Promise<SandboxReply> {
  const target = TARGETS[request.target];
  if (target === undefined) {
    return { id: request.id, elapsedMs: 0, outcome: { kind: 'crashed', error: { name: 'UnknownTarget', message: `no fuzz target ${request.target}`, fields: {} } } };
  }
  const started = performance.now();
  const outcome = await outcomeOf(target, request);
  return { id: request.id, outcome, elapsedMs: performance.now() - started };
}

const send = (message: SandboxReply | SandboxReady): void => {
  process.send?.(message);
};

// One input at a time: the parent waits for each answer before sending the next.
process.on('message', (message: SandboxRequest) => {
  void handle(message).then(send);
});
process.on('disconnect', () => process.exit(0));
send({ ready: true, targets: Object.keys(TARGETS) });
