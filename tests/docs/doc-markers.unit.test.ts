import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  anchorsOf,
  COMMAND_LANGUAGES,
  codeBlocks,
  docFiles,
  headingSlug,
  parseMarker,
  REPO_ROOT,
  readDoc,
  relativeLinks,
} from './markdown-blocks.ts';

const files = docFiles();
const blocks = files.flatMap((file) => codeBlocks(file, readDoc(file)));

describe('the doc-test markers', () => {
  it('parse as docs/README.md describes them', () => {
    expect(parseMarker('<!-- doc-test -->')).toEqual({ kind: 'run' });
    expect(parseMarker('   <!-- doc-test -->')).toEqual({ kind: 'run' });
    expect(parseMarker('<!-- doc-test: output -->')).toEqual({ kind: 'output' });
    expect(parseMarker('<!-- doc-test: not run — runs until Ctrl+C -->')).toEqual({
      kind: 'not-run',
      reason: 'runs until Ctrl+C',
    });
    expect(parseMarker('<!-- doc-test: not-run: needs Docker -->')).toEqual({
      kind: 'not-run',
      reason: 'needs Docker',
    });
    // A not-run marker without a reason, or a typo, is an error, not a silent pass.
    expect(parseMarker('<!-- doc-test: not run -->')?.kind).toBe('malformed');
    expect(parseMarker('<!-- doc-test: skip -->')?.kind).toBe('malformed');
    expect(parseMarker('<!-- a comment -->')).toBeUndefined();
  });

  it('finds a block, its language and the marker above it across blank lines and list indentation', () => {
    const text = [
      '1. Dump:',
      '',
      '   <!-- doc-test -->',
      '',
      '   ```sh',
      '   pg_dump x',
      '   ```',
      '```bash',
      'ls',
      '```',
    ].join('\n');
    const found = codeBlocks('x.md', text);
    expect(found).toEqual([
      { file: 'x.md', line: 5, language: 'sh', code: 'pg_dump x', marker: { kind: 'run' } },
      { file: 'x.md', line: 8, language: 'bash', code: 'ls', marker: undefined },
    ]);
  });

  it('mark every command block in README.md and docs/*.md as run or as not run with a reason', () => {
    const unmarked = blocks
      .filter((b) => COMMAND_LANGUAGES.has(b.language))
      .filter((b) => b.marker === undefined || b.marker.kind === 'output' || b.marker.kind === 'malformed')
      .map(
        (b) =>
          `${b.file}:${b.line}: a \`\`\`${b.language} block needs <!-- doc-test --> (run by tests/docs/doc-commands.int.test.ts) or <!-- doc-test: not run — <reason> --> on the line above it${b.marker?.kind === 'malformed' ? ` (found ${b.marker.text})` : ''}`,
      );
    expect(unmarked).toEqual([]);
  });

  it('put run markers only on command blocks, and output markers only on a block right after a run block', () => {
    const misplaced: string[] = [];
    for (const [index, block] of blocks.entries()) {
      if (block.marker?.kind === 'malformed')
        misplaced.push(`${block.file}:${block.line}: ${block.marker.text}`);
      if (block.marker?.kind === 'run' && !COMMAND_LANGUAGES.has(block.language))
        misplaced.push(`${block.file}:${block.line}: <!-- doc-test --> on a \`\`\`${block.language} block`);
      if (block.marker?.kind === 'output') {
        const before = blocks[index - 1];
        if (before?.file !== block.file || before.marker?.kind !== 'run')
          misplaced.push(
            `${block.file}:${block.line}: <!-- doc-test: output --> not right after a run block`,
          );
      }
    }
    expect(misplaced).toEqual([]);
  });

  it('leave at least the quickstart and operations guide with commands that are run', () => {
    for (const file of ['docs/quickstart.md', 'docs/operations.md'])
      expect(
        blocks.some((b) => b.file === file && b.marker?.kind === 'run'),
        file,
      ).toBe(true);
  });
});

describe('the links of README.md and docs/*.md', () => {
  it('slug headings as GitHub does', () => {
    expect(headingSlug('Limits, quotas and the cache')).toBe('limits-quotas-and-the-cache');
    expect(headingSlug('`get_latest_readings` — Latest meter readings of a building')).toBe(
      'get_latest_readings--latest-meter-readings-of-a-building',
    );
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### B!')]).toEqual(['a', 'a-1', 'b']);
  });

  it('resolve: each relative link names a file that exists, and a heading of it when it names an anchor', () => {
    const broken: string[] = [];
    const anchorCache = new Map<string, Set<string>>();
    for (const file of files) {
      for (const link of relativeLinks(file, readDoc(file))) {
        const [pathPart = '', anchor] = link.target.split('#', 2);
        const target = pathPart === '' ? file : normalize(join(dirname(file), decodeURI(pathPart)));
        const where = `${link.file}:${link.line}: ${link.target}`;
        if (target.startsWith('..') || !existsSync(join(REPO_ROOT, target))) {
          broken.push(`${where} (no file ${target})`);
          continue;
        }
        if (anchor === undefined || anchor === '') continue;
        if (!target.endsWith('.md') || statSync(join(REPO_ROOT, target)).isDirectory()) {
          broken.push(`${where} (an anchor into a file that is not markdown)`);
          continue;
        }
        let anchors = anchorCache.get(target);
        if (anchors === undefined) {
          anchors = anchorsOf(readDoc(target));
          anchorCache.set(target, anchors);
        }
        if (!anchors.has(anchor)) broken.push(`${where} (no heading #${anchor} in ${target})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
