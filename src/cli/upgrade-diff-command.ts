/**
 * `shiftguard upgrade diff`: an upgrade package's manifest plus the inventory of what runs now
 * become an `upgrade.json` (CONTRACT §4).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadPackageManifest } from '../upgrades/package-manifest.js';
import { loadInventory } from '../upgrades/inventory.js';
import { diffUpgrade } from '../upgrades/upgrade-diff.js';
import { EXIT_OK, UsageError, assertWritableTarget } from './cli-io.js';
import type { CliIo } from './cli-io.js';

/** Runs `upgrade diff` with `args`; returns the exit code. */
export async function upgradeDiffCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      manifest: { type: 'string' },
      inventory: { type: 'string' },
      id: { type: 'string' },
      'started-at': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.manifest === undefined || values.inventory === undefined) {
    throw new UsageError('upgrade diff needs --manifest M.json and --inventory I.json');
  }
  if (values.out !== undefined) await assertWritableTarget(values.out);
  const manifest = loadPackageManifest(values.manifest);
  const inventory = loadInventory(values.inventory);
  for (const warning of [...manifest.warnings, ...inventory.warnings]) io.stderr.write(`shiftguard: warning: ${warning}\n`);
  const upgrade = diffUpgrade(manifest.value, inventory.value, {
    ...(values.id !== undefined ? { id: values.id } : {}),
    ...(values['started-at'] !== undefined ? { startedAt: values['started-at'] } : {}),
  });
  const text = `${JSON.stringify(upgrade, null, 2)}\n`;
  if (values.out !== undefined) {
    await writeFile(values.out, text);
    io.stderr.write(`shiftguard: upgrade description written to ${values.out}\n`);
  } else {
    io.stdout.write(text);
  }
  return EXIT_OK;
}
