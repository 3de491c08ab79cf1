// Runs every command block of README.md and docs/*.md marked `<!-- doc-test -->` against an isolated
// slice of the real stack, so a doc that lies fails CI (the convention: docs/README.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { codeBlocks, docFiles, REPO_ROOT, readDoc } from './markdown-blocks.ts';
import { BLOCK_TIMEOUT_MS, missingOutputLines, runBlock, withProjectBins } from './run-doc-block.ts';

const runnable = docFiles()
  .map((file) => {
    const blocks = codeBlocks(file, readDoc(file));
    return {
      file,
      runs: blocks.flatMap((block, index) => {
        if (block.marker?.kind !== 'run') return [];
        const next = blocks[index + 1];
        return [{ block, expected: next?.marker?.kind === 'output' ? next : undefined }];
      }),
    };
  })
  .filter(({ runs }) => runs.length > 0);

it('finds the run blocks of the docs (a parser that found none would pass vacuously)', () => {
  expect(runnable.map((r) => r.file)).toEqual(
    expect.arrayContaining(['docs/quickstart.md', 'docs/operations.md']),
  );
});

for (const { file, runs } of runnable) {
  describe(file, () => {
    let platform: TestPlatform;
    let stateDir: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      const name = `docs_${file.replace(/^docs\//, '').replace(/\W+/g, '_')}`.slice(0, 30);
      platform = await createTestPlatform(name);
      stateDir = mkdtempSync(join(tmpdir(), 'eaio-doc-test-'));
      env = {
        ...platform.childEnv,
        EAIO_STATE_DIR: stateDir,
        EAIO_DOC_BIN: join(REPO_ROOT, 'bin/eaio.js'),
        // The Node running the tests (24, from node_modules) and the project's bins first, as `npm run` has them.
        PATH: withProjectBins(),
      };
    });

    afterAll(async () => {
      await platform?.dispose();
      if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
    });

    for (const { block, expected } of runs) {
      it(`${file}:${block.line} runs as written`, { timeout: BLOCK_TIMEOUT_MS + 10_000 }, async () => {
        const result = await runBlock(block, env);
        const where = `${file}:${block.line}\n${block.code}\n--- output ---\n${result.output.slice(-4_000)}`;
        expect(result.timedOut, `timed out after ${BLOCK_TIMEOUT_MS} ms: ${where}`).toBe(false);
        expect(result.code, `exit ${result.code ?? result.signal}: ${where}`).toBe(0);
        if (expected !== undefined)
          expect(missingOutputLines(expected.code, result.output), `expected output of ${where}`).toEqual([]);
      });
    }
  });
}
