import { MAX_PRIORITY, MIN_PRIORITY } from '../gateway.ts';

/** The command holding a point: its priority and value. */
export interface ActiveCommand {
  readonly priority: number;
  readonly value: number;
}

/**
 * BACnet's priority array for a register that has none: 16 slots, the lowest-numbered occupied slot
 * wins. Kept in memory by the gateway (the command executor re-writes active commands after a
 * restart). Immutable: each change returns a new array so a failed device write can keep the old one.
 */
export class EmulatedPriorityArray {
  private constructor(private readonly slots: readonly (number | null)[]) {}

  static empty(): EmulatedPriorityArray {
    return new EmulatedPriorityArray(Array.from({ length: MAX_PRIORITY }, () => null));
  }

  with(priority: number, value: number | null): EmulatedPriorityArray {
    checkPriority(priority);
    const slots = [...this.slots];
    slots[priority - 1] = value;
    return new EmulatedPriorityArray(slots);
  }

  /** The winning command, or null when every slot is empty. */
  active(): ActiveCommand | null {
    const index = this.slots.findIndex((v) => v !== null);
    if (index < 0) return null;
    return { priority: index + 1, value: this.slots[index] as number };
  }

  /** Slot values, index 0 = priority 1. */
  values(): readonly (number | null)[] {
    return this.slots;
  }
}

/** Priorities are integers 1-16; anything else is a caller's bug, not a device failure. */
export function checkPriority(priority: number): void {
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new RangeError(`priority must be an integer ${MIN_PRIORITY}-${MAX_PRIORITY}, got ${priority}`);
  }
}
