import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's own CLI entry point, by absolute path. */
const EAIO_BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));

/** One MCP server entry of a desktop agent's config (`mcpServers.<name>`). */
export interface DesktopAgentServer {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** What the snippet has to pin so the server finds this project's stack from any directory. */
export interface DesktopAgentSettings {
  /** `stateDir` as configured (relative ones are taken from `cwd`): where `endpoints.json` is. */
  readonly stateDir: string;
  /** The config file the running process read, if any. */
  readonly configFile: string | undefined;
  /** Directory relative paths are resolved against (the process's working directory). */
  readonly cwd: string;
  /** The node binary to name; the one running now by default. */
  readonly nodePath?: string;
}

/**
 * The `mcpServers` entry that starts this project's `eaio mcp --stdio`. Named by absolute paths:
 * desktop clients ignore `cwd`, so `npx eaio` would run outside the project, where npx fetches the
 * registry package called `eaio` (anyone may publish it) and hands it the agent. The node binary and
 * `bin/eaio.js` are this checkout's; `EAIO_STATE_DIR` (and `EAIO_CONFIG_FILE` when a file was read)
 * are absolute, because the CLI takes both from its working directory otherwise.
 */
export function desktopAgentServer(settings: DesktopAgentSettings): DesktopAgentServer {
  return {
    command: settings.nodePath ?? process.execPath,
    args: [EAIO_BIN, 'mcp', '--stdio'],
    env: {
      EAIO_STATE_DIR: resolve(settings.cwd, settings.stateDir),
      ...(settings.configFile === undefined
        ? {}
        : { EAIO_CONFIG_FILE: resolve(settings.cwd, settings.configFile) }),
    },
  };
}

/** The desktop agent's MCP config with {@link desktopAgentServer} as `eaio`, as `npm start` prints it. */
export function desktopAgentConfig(settings: DesktopAgentSettings): {
  readonly mcpServers: { readonly eaio: DesktopAgentServer };
} {
  return { mcpServers: { eaio: desktopAgentServer(settings) } };
}
