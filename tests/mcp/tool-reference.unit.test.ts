import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderToolReference, TOOLS, withToolReference } from '../../mcp-adapter/index.ts';

const readme = readFileSync(new URL('../../docs/mcp-tools.md', import.meta.url), 'utf8');

describe('the tool reference in docs/mcp-tools.md', () => {
  it('is in step with the tools (regenerate with `npm run mcp:docs`)', () => {
    expect(withToolReference(readme, TOOLS)).toBe(readme);
  });

  it('names every tool, its scope and every argument with its description', () => {
    const reference = renderToolReference(TOOLS);
    for (const tool of TOOLS) {
      expect(reference).toContain(`#### \`${tool.name}\``);
      expect(reference).toContain(`Scope \`${tool.scope}\``);
      const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, { description?: string }>;
      };
      for (const [name, field] of Object.entries(schema.properties ?? {})) {
        expect(field.description, `${tool.name}.${name} has no .describe()`).toBeTruthy();
        expect(reference).toContain(`| \`${name}\` |`);
      }
    }
  });
});
