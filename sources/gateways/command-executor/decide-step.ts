import type { GatewayMode } from '../point-map.ts';
import type { CommandState } from './command-state.ts';
import { isFinished, isHeld, wasWritten } from './command-state.ts';
import type { OutcomeCause } from './control-events.ts';
import { insideWindow } from './schedule-window.ts';

/** Approval timeout when the point's registration does not give one (the design's gateway default). */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 300;

/** What the executor knows of a point of its own map. */
export interface ExecutorPoint {
  readonly pointId: string;
  readonly buildingId: string;
  readonly requiresApproval: boolean;
  readonly approvalTimeoutSeconds?: number | undefined;
}

/** The gateway's side of a decision, at the moment it is taken. */
export interface GatewayConditions {
  readonly mode: GatewayMode;
  /** The device network answers (the gateway's health). */
  readonly connected: boolean;
  /** The point's last good read is recent enough (younger than staleAfterPolls x pollSeconds). */
  readonly fresh: boolean;
  /** This process wrote the command already; false after a restart for a command the log says is held. */
  readonly heldThisRun: boolean;
  readonly now: Date;
  readonly defaultApprovalTimeoutSeconds?: number;
}

/**
 * The one thing to do next for a command, or nothing:
 * - `write`: write the command's value at its priority and read it back (`rewrite`: after a restart,
 *   restore a write the log says is active; no new outcome);
 * - `relinquish`: release the command's priority and read back what the point returned to;
 * - `close`: an outcome that touches no device (expired or refused, with its cause).
 */
export type Step =
  | { readonly kind: 'write'; readonly rewrite: boolean }
  | { readonly kind: 'relinquish'; readonly cause: OutcomeCause }
  | {
      readonly kind: 'close';
      readonly outcome: 'expired' | 'refused';
      readonly cause: OutcomeCause;
      readonly message: string;
    };

/**
 * The control loop at the gateway as a pure function (design steps 3-7): given what the log says about a
 * command, the point's approval policy and the gateway's conditions now, the next step. The executor
 * runs it after every event and on a timer until it answers null, so the same log and the same clock
 * always give the same steps, live and after a restart.
 *
 * Fail closed: only a command with an `accepted` decision is ever written; a read-only gateway, a
 * disconnected network or a stale point value refuse it instead of writing.
 */
export function decideStep(state: CommandState, point: ExecutorPoint, c: GatewayConditions): Step | null {
  const { request, decision } = state;
  if (request === null || decision === null || decision.decision !== 'accepted') return null;
  if (isFinished(state)) return null;
  const held = isHeld(state);
  const end = (cause: OutcomeCause, message: string): Step =>
    held ? { kind: 'relinquish', cause } : { kind: 'close', outcome: 'expired', cause, message };
  const now = c.now.getTime();
  const actions = [...state.actions.values()];

  if (actions.some((a) => a.action === 'cancel')) {
    const by = actions.find((a) => a.action === 'cancel')?.actor ?? 'unknown';
    return end('cancelled', `cancelled by ${by} while not written`);
  }
  if (now >= request.expiresAt.getTime()) return end('expiry', 'expired while not written');
  if (request.heartbeatSeconds != null && request.heartbeatSeconds > 0) {
    const beats = actions
      .filter((a) => a.action === 'heartbeat' && a.actor === request.requestedBy)
      .map((a) => a.occurredAt.getTime());
    const last = Math.max(request.occurredAt.getTime(), ...beats);
    if (now - last > 2 * request.heartbeatSeconds * 1000) {
      return end('heartbeat_lost', `no heartbeat from ${request.requestedBy} for ${now - last} ms`);
    }
  }

  if (point.requiresApproval && !wasWritten(state)) {
    const timeoutMs =
      (point.approvalTimeoutSeconds ?? c.defaultApprovalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS) *
      1000;
    const deadline = request.occurredAt.getTime() + timeoutMs;
    // The first decisive action in time wins; the proposer cannot approve their own command, and an
    // approval that arrived after the deadline (while the gateway was down) does not count.
    const decisive = actions.find(
      (a) =>
        (a.action === 'refuse' || (a.action === 'approve' && a.actor !== request.requestedBy)) &&
        a.occurredAt.getTime() <= deadline,
    );
    if (decisive?.action === 'refuse') {
      return {
        kind: 'close',
        outcome: 'expired',
        cause: 'approval_refused',
        message: `refused by ${decisive.actor}${decisive.reason ? `: ${decisive.reason}` : ''}`,
      };
    }
    if (decisive === undefined) {
      if (now < deadline) return null;
      return {
        kind: 'close',
        outcome: 'expired',
        cause: 'approval_timeout',
        message: `no approval by a principal other than ${request.requestedBy} within ${timeoutMs / 1000} s`,
      };
    }
  }

  const inside = request.schedule == null || insideSafely(request.schedule, c.now);
  if (held) {
    if (!inside) return { kind: 'relinquish', cause: 'schedule_window_end' };
    // After a restart the device (Modbus's emulated priority array) may have lost the write: restore it,
    // but only when a write would be allowed now; otherwise wait for the conditions or the expiry.
    if (!c.heldThisRun && refusal(c) === null) return { kind: 'write', rewrite: true };
    return null;
  }
  if (!inside) return null;
  const refused = refusal(c);
  if (refused !== null) return { kind: 'close', outcome: 'refused', ...refused };
  return { kind: 'write', rewrite: false };
}

function refusal(c: GatewayConditions): { cause: OutcomeCause; message: string } | null {
  if (c.mode !== 'read-write') return { cause: 'gateway_unavailable', message: 'the gateway is read-only' };
  if (!c.connected) return { cause: 'gateway_unavailable', message: 'the device network does not answer' };
  if (!c.fresh) return { cause: 'stale_value', message: "the point's last good read is stale" };
  return null;
}

function insideSafely(schedule: Parameters<typeof insideWindow>[0], at: Date): boolean {
  try {
    return insideWindow(schedule, at);
  } catch {
    return false;
  }
}
