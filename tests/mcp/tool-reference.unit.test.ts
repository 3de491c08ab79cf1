import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderToolReference, TOOLS, withToolReference } from '../../mcp-adapter/index.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README tool reference', () => {
  it('is in step with the tools (regenerate with `npm run mcp:docs`)', () => {
    expect(withToolReference(readme, TOOLS)).toBe(readme);
  });

  it('names every tool, its scope and every argument with its description', () => {
    const reference = renderToolReference(TOOLS);
    for (const tool of TOOLS) {
      expect(reference).toContain(`#### \`${tool.name}\``);
      expect(reference).toContain(`Scope \`${tool.scope}\``);
      for (const [name, field] of Object.entries(tool.input.shape)) {
        const description = (field as { description?: string }).description;
        expect(description, `${tool.name}.${name} has no .describe()`).toBeTruthy();
        expect(reference).toContain(`| \`${name}\` |`);
      }
    }
  });
});
