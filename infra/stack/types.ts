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
  /** Which node of a multi-node service (`kafka-1`…`kafka-3` on a local cluster); absent otherwise. */
  instance?: string;
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
  /**
   * KRaft nodes for `stackUp` to run: 1 or 3 (each broker and controller, three voters). Remembered in
   * the state folder, so a later `stackUp` without it, `stackDown` and `stackStatus` use the same
   * count; without it and nothing remembered, 1.
   */
  brokers?: number;
  /** Deadline for each service to become ready. Default 120 s. */
  readyTimeoutMs?: number;
};
