/**
 * `shiftguard upgrade diff`: turns a package manifest plus the inventory of what runs now into an
 * `upgrade.json` (CONTRACT §1, §4) that can be reviewed, given rollout times, and registered.
 */
import { diffConfig } from './config-diff.js';
import type { Inventory } from './inventory.js';
import type { PackageManifest } from './package-manifest.js';
import { formatRfc3339, parseRfc3339Ms } from './rfc3339.js';
import { UpgradeInputError } from './upgrade-input-error.js';
import type { UpgradeJson } from './upgrade-schema.js';

/** Options of {@link diffUpgrade}. */
export interface DiffUpgradeOptions {
  /** Upgrade id; default `<package name without extension>-<manifest version>` (or `-<startedAt>`). */
  readonly id?: string;
  /** RFC 3339 start time; default `now()`. */
  readonly startedAt?: string;
  /** Injected clock for the default start time. */
  readonly now?: () => Date;
}

type BinaryJson = UpgradeJson['binaries'][number];
type ManifestBinary = PackageManifest['binaries'][number];
type InventoryBinary = Inventory['binaries'][number];

const ID = /^[^\s/]{1,128}$/;

/**
 * Computes the upgrade description: every binary of the package against the inventory (updated, added,
 * removed, rebuilt = same version with another sha256, unchanged), binaries only in the inventory as
 * unchanged, configuration changes (see `diffConfig`), the package's flags, and `notes` for anything
 * that had nothing to act on.
 * @throws UpgradeInputError when `options.startedAt` or `options.id` is invalid.
 */
export function diffUpgrade(manifest: PackageManifest, inventory: Inventory, options: DiffUpgradeOptions = {}): UpgradeJson {
  const startedAt = startTime(options);
  const id = options.id ?? defaultId(manifest, startedAt);
  if (!ID.test(id)) {
    throw new UpgradeInputError(null, [{ path: 'id', source: '--id', message: `expected an id of 1-128 characters without spaces or slashes, got ${JSON.stringify(id)}` }]);
  }
  const notes: string[] = [];
  const running = new Map(inventory.binaries.map((binary) => [binary.name, binary]));
  const binaries: BinaryJson[] = [];
  for (const shipped of manifest.binaries) {
    const entry = diffBinary(shipped, running.get(shipped.name));
    if (entry === undefined) notes.push(`${shipped.name} is marked removed by the package but does not run now (not in the inventory)`);
    else binaries.push(entry);
  }
  const shippedNames = new Set(manifest.binaries.map((binary) => binary.name));
  for (const binary of inventory.binaries) if (!shippedNames.has(binary.name)) binaries.push(notShipped(binary));
  const config = diffConfig(manifest.config, inventory.config ?? {});
  const flags = (manifest.flags ?? []).map((flag) => ({ ...flag }));
  for (const flag of flags) {
    if (flag.binary !== undefined && !binaries.some((binary) => binary.name === flag.binary)) {
      notes.push(`flag ${flag.name} names binary ${flag.binary}, which is neither in the package nor in the inventory`);
    }
  }
  notes.push(...config.notes);
  return {
    id,
    package: manifest.package,
    startedAt,
    binaries,
    configChanges: config.changes,
    flags,
    ...(notes.length === 0 ? {} : { notes }),
  };
}

function diffBinary(shipped: ManifestBinary, now: InventoryBinary | undefined): BinaryJson | undefined {
  const where = now === undefined ? {} : whereItRuns(shipped, now);
  if (shipped.removed === true) {
    if (now === undefined) return undefined;
    return { name: shipped.name, from: now.version, to: null, ...sha(undefined, now.sha256), ...where };
  }
  const to = shipped.version ?? null;
  if (now === undefined) return { name: shipped.name, from: null, to, ...sha(shipped.sha256, undefined), ...servicesOf(shipped.services) };
  const entry: BinaryJson = { name: shipped.name, from: now.version, to, ...sha(shipped.sha256, now.sha256), ...where };
  if (to !== now.version || shipped.sha256 === undefined || now.sha256 === undefined) return entry;
  if (shipped.sha256.toLowerCase() === now.sha256.toLowerCase()) return entry;
  const note = `same version ${to} but sha256 differs (${now.sha256.slice(0, 12)}… → ${shipped.sha256.slice(0, 12)}…): a rebuild, counted as changed`;
  return { ...entry, changed: true, notes: [note] };
}

function notShipped(now: InventoryBinary): BinaryJson {
  return {
    name: now.name,
    from: now.version,
    to: now.version,
    ...sha(now.sha256, undefined),
    ...servicesOf(now.services),
    ...(now.instances === undefined ? {} : { instances: now.instances }),
    notes: ['not in the package; left as is'],
  };
}

function whereItRuns(shipped: ManifestBinary, now: InventoryBinary): Pick<BinaryJson, 'services' | 'instances'> {
  return { ...servicesOf(shipped.services ?? now.services), ...(now.instances === undefined ? {} : { instances: now.instances }) };
}

function servicesOf(services: readonly string[] | undefined): Pick<BinaryJson, 'services'> {
  return services === undefined ? {} : { services: [...services] };
}

function sha(to: string | undefined, from: string | undefined): Pick<BinaryJson, 'sha256' | 'fromSha256'> {
  return { ...(to === undefined ? {} : { sha256: to.toLowerCase() }), ...(from === undefined ? {} : { fromSha256: from.toLowerCase() }) };
}

function startTime(options: DiffUpgradeOptions): string {
  if (options.startedAt === undefined) return formatRfc3339(Math.floor((options.now ?? (() => new Date()))().getTime() / 1000) * 1000);
  if (parseRfc3339Ms(options.startedAt) !== undefined) return options.startedAt;
  throw new UpgradeInputError(null, [{ path: 'startedAt', source: '--started-at', message: `expected an RFC 3339 timestamp, got ${JSON.stringify(options.startedAt)}` }]);
}

function defaultId(manifest: PackageManifest, startedAt: string): string {
  const stem = manifest.package.replace(/^.*[\\/]/, '').replace(/\.(zip|tar\.gz|tgz|tar)$/i, '');
  const suffix = manifest.version ?? startedAt.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `${stem}-${suffix}`.replace(/[\s/]+/g, '-').slice(0, 128);
}
