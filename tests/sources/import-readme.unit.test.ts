import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMPORT_FORMATS } from '../../sources/index.ts';

describe('docs/data-sources.md on eaio import', () => {
  const readme = readFileSync(new URL('../../docs/data-sources.md', import.meta.url), 'utf8');

  it('lists every format eaio import knows, with its kind and the example the format itself carries', () => {
    for (const format of IMPORT_FORMATS) {
      expect(readme, format.name).toContain(`| ${format.kind} | \`${format.name}\` |`);
      expect(readme, format.name).toContain(`\`${format.name}\`:\n\n\`\`\`csv\n${format.example}\n\`\`\``);
    }
  });
});
