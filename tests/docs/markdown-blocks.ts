// Reads the docs the way the doc tests need them: fenced code blocks with the doc-test marker above
// them, headings as GitHub anchors, and relative links. The convention is written down in
// docs/README.md ("Docs that are run").
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the docs' links and commands are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Fence languages that hold commands a reader would type: each such block must be marked. */
export const COMMAND_LANGUAGES: ReadonlySet<string> = new Set(['sh', 'bash', 'shell', 'console']);

/** What the comment above a block says about it. */
export type DocTestMarker =
  | { readonly kind: 'run' }
  | { readonly kind: 'not-run'; readonly reason: string }
  | { readonly kind: 'output' }
  | { readonly kind: 'malformed'; readonly text: string };

export interface CodeBlock {
  /** Path relative to the repository root, e.g. `docs/operations.md`. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: string;
  readonly code: string;
  readonly marker: DocTestMarker | undefined;
}

const MARKER = /^\s*<!--\s*doc-test(?<rest>[^>]*?)\s*-->\s*$/;
const NOT_RUN = /^:\s*not[ -]run\s*(?:[—–:-]+\s*)?(?<reason>.*)$/;

/** Parses the text of a `<!-- doc-test… -->` comment, or undefined when the line is no such comment. */
export function parseMarker(line: string): DocTestMarker | undefined {
  const match = MARKER.exec(line);
  if (match === null) return undefined;
  const rest = (match.groups?.rest ?? '').trim();
  if (rest === '') return { kind: 'run' };
  if (/^:\s*output$/.test(rest)) return { kind: 'output' };
  const notRun = NOT_RUN.exec(rest);
  if (notRun !== null) {
    const reason = (notRun.groups?.reason ?? '').trim();
    return reason === '' ? { kind: 'malformed', text: line.trim() } : { kind: 'not-run', reason };
  }
  return { kind: 'malformed', text: line.trim() };
}

/** Every fenced block of a markdown text, with the marker on the nearest non-blank line above it. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(?<indent>\s*)(?<fence>`{3,}|~{3,})(?<info>.*)$/.exec(lines[i] ?? '');
    if (open?.groups === undefined) continue;
    const { indent = '', fence = '```', info = '' } = open.groups;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    let above = i - 1;
    while (above >= 0 && (lines[above] ?? '').trim() === '') above--;
    blocks.push({
      file,
      line: i + 1,
      language: info.trim().split(/\s+/)[0] ?? '',
      code: body.join('\n'),
      marker: above >= 0 ? parseMarker(lines[above] ?? '') : undefined,
    });
    i = j;
  }
  return blocks;
}

/** The markdown files the doc tests cover: README.md and every docs/*.md, whoever adds them later. */
export function docFiles(root = REPO_ROOT): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function readDoc(file: string, root = REPO_ROOT): string {
  return readFileSync(join(root, file), 'utf8');
}

/** GitHub's anchor for a heading text: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}_\- ]/gu, '')
    .replaceAll(' ', '-');
}

/** The anchors a markdown text defines: one per heading outside code, repeats numbered `-1`, `-2`. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fenceMatch?.[1] !== undefined) {
      if (fence === undefined) fence = fenceMatch[1];
      else if (line.trim().replace(/[`~]/g, '') === '' && line.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1] === undefined) continue;
    const slug = headingSlug(heading[1]);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface DocLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** Relative links (`[text](target)`, not in code) of a markdown text: no scheme, no protocol-relative. */
export function relativeLinks(file: string, text: string): DocLink[] {
  const links: DocLink[] = [];
  let inFence = false;
  text.split('\n').forEach((raw, index) => {
    if (/^\s*(`{3,}|~{3,})/.test(raw)) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    // Inline code may hold `](` that is no link.
    const line = raw.replace(/`[^`]*`/g, '``');
    for (const match of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      links.push({ file, line: index + 1, target });
    }
  });
  return links;
}
