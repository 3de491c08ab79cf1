import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StackError } from './errors.ts';
import { type ChildEnv, runTool } from './process-control.ts';

/** The committed POM that lists the broker's runtime jars. */
export const KAFKA_POM = join(dirname(fileURLToPath(import.meta.url)), 'maven', 'kafka-pom.xml');

const DONE_MARKER = '.complete';

/**
 * Copies the Kafka broker jars (and the reload4j logging binding) into `targetDir` with Maven.
 * A marker file written last makes an interrupted copy be redone instead of trusted.
 */
export async function fetchKafkaJars(
  version: string,
  targetDir: string,
  log: (line: string) => void,
  env: ChildEnv,
): Promise<void> {
  if (existsSync(join(targetDir, DONE_MARKER))) return;
  log(`kafka: fetching kafka_2.13 ${version} jars with Maven into ${targetDir}`);
  await rm(targetDir, { recursive: true, force: true });
  await mkdir(targetDir, { recursive: true });
  await mvn(
    'kafka',
    [
      '-q',
      '-B',
      '-f',
      KAFKA_POM,
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${targetDir}`,
    ],
    env,
  );
  const jars = (await readdir(targetDir)).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith('kafka_2.13-'))) {
    throw new StackError(
      'kafka',
      'STACK_FETCH_FAILED',
      'permanent',
      `Maven finished but ${targetDir} holds no kafka_2.13 jar`,
    );
  }
  await writeFile(join(targetDir, DONE_MARKER), `${new Date().toISOString()}\n`);
}

/**
 * Downloads the Apicurio Registry `tar.gz:all` distribution and unpacks it into `targetDir`
 * (redone when the marker of a finished extraction is missing).
 */
export async function fetchApicurio(
  version: string,
  libDir: string,
  targetDir: string,
  log: (line: string) => void,
  env: ChildEnv,
): Promise<void> {
  if (existsSync(join(targetDir, DONE_MARKER))) return;
  log(`registry: fetching apicurio-registry-app ${version} with Maven into ${targetDir}`);
  await mkdir(libDir, { recursive: true });
  const archive = join(libDir, `apicurio-registry-app-${version}-all.tar.gz`);
  await mvn(
    'registry',
    [
      '-q',
      '-B',
      'dependency:copy',
      `-Dartifact=io.apicurio:apicurio-registry-app:${version}:tar.gz:all`,
      `-DoutputDirectory=${libDir}`,
      '-Dmdep.overWriteReleases=true',
    ],
    env,
    libDir,
  );
  await rm(targetDir, { recursive: true, force: true });
  await mkdir(targetDir, { recursive: true });
  try {
    await runTool('tar', ['xzf', archive, '-C', targetDir], { env });
  } catch (error) {
    throw new StackError('registry', 'STACK_FETCH_FAILED', 'permanent', `cannot extract ${archive}`, {
      cause: error,
    });
  }
  // The start command relies on the runner jar sitting at the top of the archive.
  const runner = `apicurio-registry-app-${version}-runner.jar`;
  if (!existsSync(join(targetDir, runner))) {
    throw new StackError(
      'registry',
      'STACK_FETCH_FAILED',
      'permanent',
      `${archive} did not contain ${runner} at its top level`,
    );
  }
  await writeFile(join(targetDir, DONE_MARKER), `${new Date().toISOString()}\n`);
  await rm(archive, { force: true });
}

async function mvn(
  service: 'kafka' | 'registry',
  args: string[],
  env: ChildEnv,
  cwd?: string,
): Promise<void> {
  try {
    await runTool('mvn', args, { env, ...(cwd ? { cwd } : {}) });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new StackError(
      service,
      missing ? 'STACK_MISSING_BINARY' : 'STACK_FETCH_FAILED',
      missing ? 'permanent' : 'transient',
      missing
        ? 'mvn not found on PATH: install Maven (Debian package "maven") and a JDK 17+ ("openjdk-17-jdk-headless")'
        : `Maven failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
