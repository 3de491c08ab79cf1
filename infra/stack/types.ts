import type { ServiceName } from './errors.ts';

/** Where the running stack can be reached; written to `<stateDir>/endpoints.json` by `stackUp`. */
export type StackEndpoints = {
  kafkaBrokers: string[];
  registryUrl: string;
  redisUrl: string;
  postgresUrl: string;
};

/**
 * One service as seen by `stackStatus`: 'external' when the configured endpoint answers but was
 * not started by us, 'running' when it is a process `stackUp` started, 'stopped' otherwise.
 */
export type ServiceStatus = {
  name: ServiceName;
  state: 'running' | 'stopped' | 'external';
  endpoint: string;
  pid?: number;
  managed: boolean;
};

/** Options shared by `stackUp` / `stackDown`. */
export type StackOptions = {
  /** Receives one human-readable progress line at a time. Defaults to silence. */
  log?: (line: string) => void;
  /**
   * Environment for the started services and tools (the CLI passes `process.env`). Without it the
   * children inherit this process's environment; service settings are passed as arguments, never
   * through the environment, so both behave the same.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Deadline for each service to become ready. Default 120 s. */
  readyTimeoutMs?: number;
};
