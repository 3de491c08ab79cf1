import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  asyncScheduler,
  BehaviorSubject,
  debounceTime,
  distinctUntilChanged,
  map,
  type Observable,
  type SchedulerLike,
  Subject,
  type Subscription,
} from 'rxjs';
import type { Logger } from '../logging/index.ts';
import { type ConfigOrigin, describeOrigin } from './config-errors.ts';
import { CONFIG_KEYS } from './config-keys.ts';
import {
  type EaioConfig,
  RELOADABLE_SECTIONS,
  type ReloadableConfig,
  type ReloadableSection,
  reloadableSlice,
} from './config-schema.ts';
import { locateConfigFile, type ResolvedConfig, resolveConfig } from './resolve-config.ts';
import { redactSecretValue } from './secret-redaction.ts';

/** What started a reload. */
export type ReloadTrigger = 'file' | 'signal' | 'manual';

/** A change to a key that needs a restart: refused, the running value is kept. */
export interface RefusedChange {
  readonly key: string;
  /** Running value (secrets redacted). */
  readonly kept: unknown;
  /** Value the sources now give (secrets redacted). */
  readonly ignored: unknown;
  readonly origin: ConfigOrigin;
}

/** The result of one reload. */
export type ReloadOutcome =
  | {
      readonly status: 'applied';
      readonly trigger: ReloadTrigger;
      /** Keys whose new value took effect. */
      readonly changed: readonly string[];
      readonly refused: readonly RefusedChange[];
    }
  | {
      readonly status: 'unchanged';
      readonly trigger: ReloadTrigger;
      readonly refused: readonly RefusedChange[];
    }
  | {
      readonly status: 'invalid';
      readonly trigger: ReloadTrigger;
      /** Why the new configuration was rejected as a whole (a `ConfigError` names key and layer). */
      readonly error: Error;
    };

/** The running configuration, with its reloadable sections observable. */
export interface ConfigStore {
  /** The configuration in effect now. */
  current(): ResolvedConfig;
  /** One reloadable section: its value now, then each new value after a reload that changed it. */
  section$<S extends ReloadableSection>(section: S): Observable<ReloadableConfig[S]>;
  /** Calls `listener` after each reload that changes `section` (not with the current value); returns an unsubscribe. */
  onChange<S extends ReloadableSection>(
    section: S,
    listener: (value: ReloadableConfig[S], previous: ReloadableConfig[S]) => void,
  ): () => void;
  /** Every reload's outcome, for logs and tests. */
  readonly reloads$: Observable<ReloadOutcome>;
  /** Re-reads the sources now. */
  reload(trigger?: ReloadTrigger): ReloadOutcome;
  /** Stops watching the file and the signal. */
  close(): void;
}

/** Options of {@link createConfigStore}. */
export interface ConfigStoreOptions {
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Reload when the config file changes (fs.watch on its folder, so editors' atomic saves are seen). Default true. */
  readonly watchFile?: boolean;
  /** Signal that asks for a reload; null for none. Default `SIGHUP`. */
  readonly signal?: NodeJS.Signals | null;
  /** Quiet time after the last file event before reloading (one save fires several events). Default 150 ms. */
  readonly debounceMs?: number;
  readonly scheduler?: SchedulerLike;
}

/** Flattens a config to leaf paths (map entries and lists as leaves' values). */
function leaves(config: EaioConfig): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const key of CONFIG_KEYS) {
    const value = key.path.split('.').reduce<unknown>((n, p) => (n as Record<string, unknown>)[p], config);
    out.set(key.path, value);
  }
  return out;
}

const isReloadablePath = (path: string) =>
  RELOADABLE_SECTIONS.some((s) => path === s || path.startsWith(`${s}.`));

/** Takes the reloadable sections of `next` into `running`; the rest of `running` stays as it is. */
function mergeReloadable(running: EaioConfig, next: EaioConfig): EaioConfig {
  const fresh = reloadableSlice(next);
  return Object.freeze({
    ...running,
    quality: fresh.quality,
    cache: fresh.cache,
    log: fresh.log,
    mcp: Object.freeze({ ...running.mcp, rateLimit: fresh['mcp.rateLimit'] }),
  });
}

/**
 * Holds the running configuration and reloads its reloadable subset (quality thresholds, cache TTLs,
 * rate limits, log levels) on SIGHUP and when the config file changes. A reload rebuilds the whole
 * configuration from the same sources (file, environment, flags) and validates it first: if it is
 * invalid, nothing changes. Changes to other keys are refused and logged, and the running values
 * kept, since connections and servers were built from them. Subscribers hear about a section only
 * when its value changed.
 */
export function createConfigStore(initial: ResolvedConfig, options: ConfigStoreOptions = {}): ConfigStore {
  const {
    logger,
    watchFile = true,
    signal = 'SIGHUP',
    debounceMs = 150,
    scheduler = asyncScheduler,
  } = options;
  const state = new BehaviorSubject<ResolvedConfig>(initial);
  const reloads = new Subject<ReloadOutcome>();
  const cleanups: Array<() => void> = [];

  const reload = (trigger: ReloadTrigger = 'manual'): ReloadOutcome => {
    const running = state.getValue();
    let next: ResolvedConfig;
    try {
      next = resolveConfig(running.sources);
    } catch (error) {
      const outcome: ReloadOutcome = {
        status: 'invalid',
        trigger,
        error: error instanceof Error ? error : new Error(String(error)),
      };
      logger?.error(
        { trigger, err: outcome.error },
        'config reload rejected; the running configuration is kept',
      );
      reloads.next(outcome);
      return outcome;
    }
    const before = leaves(running.config);
    const after = leaves(next.config);
    const changed: string[] = [];
    const refused: RefusedChange[] = [];
    for (const key of CONFIG_KEYS) {
      const was = before.get(key.path);
      const now = after.get(key.path);
      if (isDeepStrictEqual(was, now)) continue;
      if (isReloadablePath(key.path)) changed.push(key.path);
      else
        refused.push({
          key: key.path,
          kept: key.secret ? redactSecretValue(was) : was,
          ignored: key.secret ? redactSecretValue(now) : now,
          origin: next.origins.get(key.path) ?? { layer: 'default' },
        });
    }
    for (const r of refused)
      logger?.warn(
        { trigger, key: r.key, kept: r.kept, ignored: r.ignored, from: describeOrigin(r.origin) },
        `config reload: ${r.key} cannot change while running (restart to apply); keeping the running value`,
      );
    if (changed.length === 0) {
      const outcome: ReloadOutcome = { status: 'unchanged', trigger, refused };
      reloads.next(outcome);
      return outcome;
    }
    const origins = new Map(running.origins);
    for (const [path, origin] of next.origins) if (isReloadablePath(path)) origins.set(path, origin);
    for (const path of running.origins.keys())
      if (isReloadablePath(path) && !next.origins.has(path)) origins.delete(path);
    state.next({
      ...running,
      config: mergeReloadable(running.config, next.config),
      origins,
      file: next.file,
    });
    logger?.info({ trigger, changed }, 'config reloaded');
    const outcome: ReloadOutcome = { status: 'applied', trigger, changed, refused };
    reloads.next(outcome);
    return outcome;
  };

  if (watchFile) {
    const file = locateConfigFile(initial.sources).path;
    const events = new Subject<void>();
    const subscription: Subscription = events
      .pipe(debounceTime(debounceMs, scheduler))
      .subscribe(() => reload('file'));
    let watcher: FSWatcher | undefined;
    try {
      // The folder, not the file: an editor's save-by-rename replaces the inode a file watch holds.
      watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(file)) events.next();
      });
      watcher.on('error', (error) => logger?.warn({ err: error, file }, 'config file watch stopped'));
    } catch (error) {
      logger?.warn({ err: error, file }, 'cannot watch the config file; reload with SIGHUP');
    }
    cleanups.push(() => {
      watcher?.close();
      subscription.unsubscribe();
    });
  }
  if (signal) {
    const onSignal = () => reload('signal');
    process.on(signal, onSignal);
    cleanups.push(() => process.off(signal, onSignal));
  }

  const section$ = <S extends ReloadableSection>(section: S): Observable<ReloadableConfig[S]> =>
    state.pipe(
      map((r) => reloadableSlice(r.config)[section]),
      distinctUntilChanged<ReloadableConfig[S]>(isDeepStrictEqual),
    );

  return {
    current: () => state.getValue(),
    section$,
    onChange(section, listener) {
      let previous = reloadableSlice(state.getValue().config)[section];
      const subscription = section$(section).subscribe((value) => {
        if (value === previous) return;
        const was = previous;
        previous = value;
        listener(value, was);
      });
      return () => subscription.unsubscribe();
    },
    reloads$: reloads.asObservable(),
    reload,
    close() {
      for (const cleanup of cleanups.splice(0)) cleanup();
      reloads.complete();
      state.complete();
    },
  };
}
