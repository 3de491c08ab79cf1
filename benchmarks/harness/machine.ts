import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** Where and on what a benchmark ran: enough to tell whether two results files are comparable. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** 1-minute load average at the start: the machine is often shared, and this says how busy it was. */
  readonly loadAverage1m: number;
  readonly platform: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly gitCommit: string;
  /** True when the working tree had uncommitted changes: the commit alone does not name the code. */
  readonly gitDirty: boolean;
}

const PACKAGES = ['kafkajs', 'pg', 'ioredis', 'avsc', 'rxjs', 'tsx'] as const;

/** The installed version of `name`, read from its package.json under the repository's node_modules. */
function installedVersion(root: string, name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/**
 * Describes this machine and checkout. `kafkaVersion` is the configured local stack's broker
 * version (asking the broker itself would need an extra protocol round trip kafkajs does not expose).
 */
export function describeMachine(root: string, kafkaVersion?: string): Machine {
  const cores = cpus();
  const versions: Record<string, string> = { node: process.versions.node };
  for (const name of PACKAGES) versions[name] = installedVersion(root, name);
  if (kafkaVersion !== undefined) versions.kafka = kafkaVersion;
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    platform: `${process.platform} ${process.arch}`,
    versions,
    gitCommit: git(root, ['rev-parse', '--short=12', 'HEAD']) || 'unknown',
    gitDirty: git(root, ['status', '--porcelain', '--untracked-files=no']).length > 0,
  };
}

/** One line for a README: `2 × Intel Xeon …, 7.8 GiB, node 24.21.0, kafkajs 2.2.4, …, commit abc (dirty)`. */
export function machineLine(m: Machine): string {
  const versions = Object.entries(m.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, load ${m.loadAverage1m}; ${versions}; commit ${m.gitCommit}${m.gitDirty ? ' (uncommitted changes)' : ''}`;
}
