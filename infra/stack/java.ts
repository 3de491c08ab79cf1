import { StackError } from './errors.ts';
import { type ChildEnv, runTool } from './process-control.ts';

/** Fails early with an install hint when no `java` is on PATH. */
export async function requireJava(service: 'kafka' | 'registry', env: ChildEnv): Promise<void> {
  try {
    await runTool('java', ['-version'], { env, timeoutMs: 30_000 });
  } catch (error) {
    throw new StackError(
      service,
      'STACK_MISSING_BINARY',
      'permanent',
      'java not found on PATH: install a JDK 17+ (Debian package "openjdk-17-jre-headless")',
      { cause: error },
    );
  }
}
