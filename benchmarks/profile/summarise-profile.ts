import {
  CATEGORIES,
  type Category,
  classifyFrame,
  isCallerAttributed,
  projectPath,
} from './classify-frame.ts';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that a summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
      readonly columnNumber?: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The part of a profile to count, in the profile's clock (microseconds, `process.hrtime` on Linux). */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** One function's own time (not its callees'), all its call sites together. */
export interface FrameTime {
  readonly functionName: string;
  /** Relative to the repository root for project files, the package path for dependencies. */
  readonly location: string;
  /** The frame's own category, or its nearest caller's when Node or V8 ran on a library's behalf. */
  readonly category: Category;
  readonly selfMs: number;
  readonly share: number;
}

/** Where a profile's time went: by category and by the functions with the most self time. */
export interface ProfileSummary {
  readonly totalMs: number;
  /** Sampled time left out by the window (module loading, connecting, shutting down). */
  readonly outsideMs: number;
  /** Time not spent idle: what the process actually computed. */
  readonly busyMs: number;
  readonly categories: readonly {
    readonly category: Category;
    readonly ms: number;
    readonly share: number;
  }[];
  readonly top: readonly FrameTime[];
}

/**
 * Self time per profile node in microseconds, of the samples taken inside `window` (all by default).
 * Sample i lasts until sample i+1 (the next delta); the last one until the profile's end, as Chrome
 * DevTools counts them.
 */
export function selfTimesUs(profile: CpuProfile, window?: ProfileWindow): Map<number, number> {
  const self = new Map<number, number>();
  let at = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => {
    at += d;
    return at;
  });
  profile.samples.forEach((node, i) => {
    const start = stamps[i] ?? profile.endTime;
    const end = stamps[i + 1] ?? profile.endTime;
    if (window !== undefined && (start < window.fromUs || start >= window.toUs)) return;
    self.set(node, (self.get(node) ?? 0) + Math.max(0, end - start));
  });
  return self;
}

function locationOf(url: string, line: number, root: string): string {
  const own = projectPath(url, root);
  const nm = url.lastIndexOf('/node_modules/');
  const path = own ?? (nm >= 0 ? url.slice(nm + '/node_modules/'.length) : url);
  return path === '' ? '' : `${path}:${line + 1}`;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The category of each profile node. Node's internals and native functions (sockets, buffers,
 * hashing, microtasks) count for the nearest caller that is not one of them, so an HTTP socket
 * opened by the registry client is registry time and a string written by avsc is Avro time.
 */
export function attributeCategories(profile: CpuProfile, root: string): Map<number, Category> {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const own = new Map(profile.nodes.map((n) => [n.id, classifyFrame(n.callFrame, root)]));
  const attributed = new Map<number, Category>();
  // Parents before children (a walk from the roots), so each node's caller is already settled.
  const stack = profile.nodes.filter((n) => !parents.has(n.id)).map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop() as number;
    const category = own.get(id) ?? 'other';
    const parent = parents.get(id);
    const above = parent === undefined ? undefined : attributed.get(parent);
    attributed.set(
      id,
      isCallerAttributed(category) && above !== undefined && !isCallerAttributed(above) ? above : category,
    );
    stack.push(...(byId.get(id)?.children ?? []));
  }
  return attributed;
}

/** Sums a profile's self time (inside `window` when given) by category and by function, and keeps the `top` functions by self time. */
export function summariseProfile(
  profile: CpuProfile,
  options: { root: string; top: number; window?: ProfileWindow },
): ProfileSummary {
  const self = selfTimesUs(profile, options.window);
  const everything = options.window === undefined ? self : selfTimesUs(profile);
  let allUs = 0;
  for (const us of everything.values()) allUs += us;
  const categories = attributeCategories(profile, options.root);
  const byCategory = new Map<Category, number>();
  const byFrame = new Map<
    string,
    { functionName: string; location: string; category: Category; us: number }
  >();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const category = categories.get(node.id) ?? classifyFrame({ functionName, url }, options.root);
    totalUs += us;
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const location = locationOf(url, lineNumber, options.root);
    const key = `${functionName}@${location}@${category}`;
    const frame = byFrame.get(key) ?? {
      functionName: functionName || '(anonymous)',
      location,
      category,
      us: 0,
    };
    frame.us += us;
    byFrame.set(key, frame);
  }
  const share = (us: number) => (totalUs === 0 ? 0 : round((us / totalUs) * 100));
  return {
    totalMs: round(totalUs / 1000),
    outsideMs: round((allUs - totalUs) / 1000),
    busyMs: round((totalUs - (byCategory.get('idle') ?? 0)) / 1000),
    categories: CATEGORIES.filter((c) => (byCategory.get(c) ?? 0) > 0)
      .map((category) => {
        const us = byCategory.get(category) ?? 0;
        return { category, ms: round(us / 1000), share: share(us) };
      })
      .sort((a, b) => b.ms - a.ms),
    top: [...byFrame.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, options.top)
      .map((f) => ({
        functionName: f.functionName,
        location: f.location,
        category: f.category,
        selfMs: round(f.us / 1000),
        share: share(f.us),
      })),
  };
}

/** A summary as Markdown tables: categories (share of all sampled time), then the top frames. */
export function formatSummary(title: string, summary: ProfileSummary): string {
  const lines = [
    `### ${title}`,
    '',
    `Sampled ${summary.totalMs} ms while the stage ran, of which busy (not idle) ${summary.busyMs} ms;` +
      ` ${summary.outsideMs} ms before and after it (loading modules, connecting, stopping) left out.`,
    '',
    '| category | ms | share % |',
    '| --- | ---: | ---: |',
    ...summary.categories.map((c) => `| ${c.category} | ${c.ms} | ${c.share} |`),
    '',
    '| # | self ms | share % | category | function | location |',
    '| ---: | ---: | ---: | --- | --- | --- |',
    ...summary.top.map(
      (f, i) =>
        `| ${i + 1} | ${f.selfMs} | ${f.share} | ${f.category} | \`${f.functionName}\` | ${f.location} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** Several summaries side by side: each category's share of each stage's sampled time, as a Markdown table. */
export function formatCategoryMatrix(
  summaries: readonly { readonly name: string; readonly summary: ProfileSummary }[],
): string {
  const shareOf = (summary: ProfileSummary, category: Category) =>
    summary.categories.find((c) => c.category === category)?.share ?? 0;
  const rows = CATEGORIES.filter((c) => summaries.some(({ summary }) => shareOf(summary, c) > 0)).map(
    (c) => `| ${c} | ${summaries.map(({ summary }) => shareOf(summary, c)).join(' | ')} |`,
  );
  return [
    `| share % | ${summaries.map((s) => s.name).join(' | ')} |`,
    `| --- |${summaries.map(() => ' ---: |').join('')}`,
    `| sampled s | ${summaries.map(({ summary }) => round(summary.totalMs / 1000)).join(' | ')} |`,
    ...rows,
    '',
  ].join('\n');
}
