/**
 * What a caller may do, as OAuth scopes: a token carries them (or a role that implies them) and each
 * tool names the one it needs.
 */
export const SCOPES = {
  energyRead: 'energy:read',
  weatherRead: 'weather:read',
  controlWrite: 'control:write',
  controlApprove: 'control:approve',
  admin: 'admin',
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

/** The roles a token may name, from least to most trusted. */
export const ROLES = ['viewer', 'analyst', 'operator', 'approver', 'admin'] as const;

export type Role = (typeof ROLES)[number];

/**
 * The scopes each role grants. A viewer reads buildings and their energy; an analyst also weather
 * (weather impact, current weather); an operator also proposes, cancels and heartbeats control
 * commands; an approver is an operator who may also approve or refuse another principal's command
 * (never its own: the tool and the gateway refuse that); an admin also runs the pipeline's admin tools
 * (dead letters, re-drive, replay status, audit).
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  viewer: [SCOPES.energyRead],
  analyst: [SCOPES.energyRead, SCOPES.weatherRead],
  operator: [SCOPES.energyRead, SCOPES.weatherRead, SCOPES.controlWrite],
  approver: [SCOPES.energyRead, SCOPES.weatherRead, SCOPES.controlWrite, SCOPES.controlApprove],
  admin: ALL_SCOPES,
};

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
