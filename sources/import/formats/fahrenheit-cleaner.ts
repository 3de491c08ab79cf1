import type { WeatherObservation } from '../../../schemas/index.ts';
import type { ImportEvent, RecordResult, SourceRecord, UnitOutcome } from '../import-format.ts';

/**
 * The unit mix-up stage shared by the weather formats: a Celsius column carrying Fahrenheit values
 * for a block of rows, or one reading that jumps away and back. A fixed range cannot catch these
 * (5 °C written as 41, −5 °C as 23 are both plausible temperatures); continuity with the neighbouring
 * readings of the same station can. Rows are held back (at most `holdMs` of a station's time, and at
 * most `maxHeldRows` rows overall) until they can be judged, then emitted in line order.
 */

/** A field nulled or changed before the cleaner, e.g. by the row mapping (`not a number`). */
export interface FieldCleaning {
  readonly rule: string;
  readonly detail: string;
}

/** What a format feeds the cleaner for one record. */
export type CleanerInput =
  /** A record whose outcome is already decided (dead letter, repeated row); held only for line order. */
  | { readonly record: SourceRecord; readonly decided: UnitOutcome }
  /** An observation still to judge, with the cleanings the row mapping already made. */
  | {
      readonly record: SourceRecord;
      readonly observation: WeatherObservation;
      readonly cleanings: readonly FieldCleaning[];
    };

/** Rule names, in the order one wins when several touch the same row (one outcome per row). */
export const WEATHER_CLEANING_RULES = ['fahrenheit block', 'step', 'out of range', 'not a number'] as const;

export interface FahrenheitCleanerOptions {
  /** Longest a block (and so a hold-back) may last in a station's time; default 7 days. */
  readonly holdMs?: number;
  /** Most records held at once before the oldest station is judged with what is known; default 20,000. */
  readonly maxHeldRows?: number;
}

const HOUR_MS = 3_600_000;
const DEFAULT_HOLD_MS = 7 * 24 * HOUR_MS;
const DEFAULT_MAX_HELD_ROWS = 20_000;

/**
 * Largest plausible change of temperature or dew point (°C) over `ms`. Real fronts and sunrise give
 * up to ~7 °C within the hour in the three BDG1 files; 8 °C plus 3 °C per hour, capped at 25 °C,
 * stays above that while a °F value of anything warmer than −20 °C jumps by more (0.8·x + 32).
 */
export function plausibleStepC(ms: number): number {
  return Math.min(8 + (3 * Math.max(ms, 0)) / HOUR_MS, 25);
}

/** °F read as °C back to °C. */
export function fahrenheitToCelsius(f: number): number {
  return Math.round(((f - 32) / 1.8) * 100) / 100;
}

type Field = 'temperatureC' | 'dewPointC';

interface Held {
  readonly record: SourceRecord;
  readonly decided?: UnitOutcome;
  /** Present for observations to judge: mutable while held. */
  observation?: WeatherObservation;
  cleanings: FieldCleaning[];
  done: boolean;
}

/** The last trusted value of a field of one station (after cleaning). */
interface Reference {
  readonly at: number;
  readonly value: number;
}

interface StationState {
  /** Observations of the station not judged yet, in line order. */
  readonly pending: Held[];
  temperature: Reference | undefined;
  dewPoint: Reference | undefined;
}

const timeOf = (h: Held): number => (h.observation as WeatherObservation).occurredAt.getTime();
const fieldOf = (h: Held, field: Field): number | null =>
  (h.observation as WeatherObservation)[field] ?? null;

export class FahrenheitCleaner {
  readonly #holdMs: number;
  readonly #maxHeldRows: number;
  readonly #queue: Held[] = [];
  readonly #stations = new Map<string, StationState>();

  constructor(
    /** The event of a kept observation: topic and key. */
    private readonly toEvent: (observation: WeatherObservation) => ImportEvent,
    options: FahrenheitCleanerOptions = {},
  ) {
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    this.#maxHeldRows = options.maxHeldRows ?? DEFAULT_MAX_HELD_ROWS;
  }

  /** Feeds one record; returns the records now decided, in line order. */
  push(input: CleanerInput): RecordResult[] {
    if ('decided' in input) {
      this.#queue.push({ record: input.record, decided: input.decided, cleanings: [], done: true });
    } else {
      const held: Held = {
        record: input.record,
        observation: { ...input.observation },
        cleanings: [...input.cleanings],
        done: false,
      };
      this.#queue.push(held);
      const state = this.#station(input.observation.stationId);
      state.pending.push(held);
      this.#judge(state, false);
    }
    const out = this.#release();
    // Bounded memory: a station whose rows stopped (a BDG2 file sorted by site) is judged with what is known.
    while (this.#queue.length > this.#maxHeldRows) {
      const head = this.#queue[0] as Held;
      this.#judge(this.#station((head.observation as WeatherObservation).stationId), true);
      out.push(...this.#release());
    }
    return out;
  }

  /** The end of the file: judges every station with what is known and returns all that is held. */
  end(): RecordResult[] {
    for (const state of this.#stations.values()) this.#judge(state, true);
    return this.#release();
  }

  #station(stationId: string): StationState {
    let state = this.#stations.get(stationId);
    if (state === undefined) {
      state = { pending: [], temperature: undefined, dewPoint: undefined };
      this.#stations.set(stationId, state);
    }
    return state;
  }

  #release(): RecordResult[] {
    const out: RecordResult[] = [];
    while (this.#queue.length > 0 && (this.#queue[0] as Held).done) {
      const held = this.#queue.shift() as Held;
      out.push({ record: held.record, registrations: [], units: [this.#outcome(held)] });
    }
    return out;
  }

  #outcome(held: Held): UnitOutcome {
    if (held.decided !== undefined) return held.decided;
    const event = this.toEvent(held.observation as WeatherObservation);
    if (held.cleanings.length === 0) return { kind: 'produced', event };
    const rank = (c: FieldCleaning): number => {
      const i = (WEATHER_CLEANING_RULES as readonly string[]).indexOf(c.rule);
      return i < 0 ? WEATHER_CLEANING_RULES.length : i;
    };
    const first = [...held.cleanings].sort((a, b) => rank(a) - rank(b))[0] as FieldCleaning;
    return {
      kind: 'cleaned',
      rule: first.rule,
      detail: held.cleanings.map((c) => c.detail).join('; '),
      event,
    };
  }

  /**
   * Decides the station's pending observations from the oldest on, as far as the rows seen allow.
   * `final`: no more rows will come in time, so an open question is answered with what is known
   * (an unconfirmed block is no block; a last jump with nothing after it is kept).
   */
  #judge(state: StationState, final: boolean): void {
    while (state.pending.length > 0) {
      const head = state.pending[0] as Held;
      const block = this.#fahrenheitBlock(state, final);
      if (block === 'wait') return;
      if (block > 0) {
        this.#convert(state, block);
        continue;
      }
      const decided =
        this.#step(state, head, 'temperatureC', final) && this.#step(state, head, 'dewPointC', final);
      if (!decided) return;
      head.done = true;
      state.pending.shift();
      const t = fieldOf(head, 'temperatureC');
      const d = fieldOf(head, 'dewPointC');
      if (t !== null) state.temperature = { at: timeOf(head), value: t };
      if (d !== null) state.dewPoint = { at: timeOf(head), value: d };
    }
  }

  /**
   * Whether the pending rows open with a °F block: the head's temperature and dew point both jump
   * from the references and both come back to continuity when read as °F, and a later row jumps back
   * the same way within the hold window. Returns the block's length, 0 when there is none, or `wait`
   * when the rows seen so far cannot tell.
   */
  #fahrenheitBlock(state: StationState, final: boolean): number | 'wait' {
    const pending = state.pending;
    const head = pending[0] as Held;
    const t = fieldOf(head, 'temperatureC');
    const d = fieldOf(head, 'dewPointC');
    const refT = state.temperature;
    const refD = state.dewPoint;
    if (t === null || d === null || refT === undefined || refD === undefined) return 0;
    const at = timeOf(head);
    if (!opensBlock(refT, refD, at, t, d)) return 0;
    let lastT = { at, value: t };
    let lastD = { at, value: d };
    for (let i = 1; i < pending.length; i++) {
      const next = pending[i] as Held;
      const nextAt = timeOf(next);
      if (nextAt - at > this.#holdMs) return 0;
      const nt = fieldOf(next, 'temperatureC');
      const nd = fieldOf(next, 'dewPointC');
      if (nt === null) {
        if (nd !== null) lastD = { at: nextAt, value: nd };
        continue;
      }
      if (Math.abs(nt - lastT.value) <= plausibleStepC(nextAt - lastT.at)) {
        lastT = { at: nextAt, value: nt };
        if (nd !== null) lastD = { at: nextAt, value: nd };
        continue;
      }
      // A jump inside the candidate: the block's end when converting the block back explains it.
      const back =
        nd !== null &&
        Math.abs(nt - fahrenheitToCelsius(lastT.value)) <= plausibleStepC(nextAt - lastT.at) &&
        Math.abs(nd - fahrenheitToCelsius(lastD.value)) <= plausibleStepC(nextAt - lastD.at);
      return back ? i : 0;
    }
    return final ? 0 : 'wait';
  }

  /** Converts the first `length` pending rows from °F, decides them and moves the references. */
  #convert(state: StationState, length: number): void {
    const block = state.pending.splice(0, length);
    const first = block[0] as Held;
    const last = block.at(-1) as Held;
    const span = `block of ${length} rows, lines ${first.record.line}-${last.record.line}, ${first.observation?.occurredAt.toISOString()} to ${last.observation?.occurredAt.toISOString()}`;
    for (const held of block) {
      const o = held.observation as WeatherObservation;
      const parts: string[] = [];
      for (const field of ['temperatureC', 'dewPointC'] as const) {
        const value = o[field] ?? null;
        if (value === null) continue;
        const converted = fahrenheitToCelsius(value);
        parts.push(`${field} ${value} converted from °F to ${converted} °C`);
        held.observation = { ...(held.observation as WeatherObservation), [field]: converted };
        const ref = { at: o.occurredAt.getTime(), value: converted };
        if (field === 'temperatureC') state.temperature = ref;
        else state.dewPoint = ref;
      }
      held.cleanings.push({ rule: 'fahrenheit block', detail: `${parts.join(', ')} (${span})` });
      held.done = true;
    }
  }

  /**
   * The step check of one field of the head: a value that jumps from the reference by more than
   * {@link plausibleStepC} and whose next value comes back is nulled. Returns false when the next
   * value is not seen yet and may still come.
   */
  #step(state: StationState, head: Held, field: Field, final: boolean): boolean {
    const value = fieldOf(head, field);
    const ref = field === 'temperatureC' ? state.temperature : state.dewPoint;
    if (value === null || ref === undefined) return true;
    const at = timeOf(head);
    if (Math.abs(value - ref.value) <= plausibleStepC(at - ref.at)) return true;
    const next = state.pending.slice(1).find((h) => fieldOf(h, field) !== null);
    if (next === undefined) {
      const lastSeen = state.pending.at(-1) as Held;
      return final || timeOf(lastSeen) - at > this.#holdMs;
    }
    const nextValue = fieldOf(next, field) as number;
    const nextAt = timeOf(next);
    const returns =
      Math.abs(nextValue - value) > plausibleStepC(nextAt - at) &&
      Math.abs(nextValue - ref.value) <= plausibleStepC(nextAt - ref.at);
    if (returns) nullSpike(head, field, value, ref.value);
    return true;
  }
}

/** Nulls a spiking field of a held row, saying which value and why. */
function nullSpike(row: Held, field: Field, value: number, reference: number): void {
  row.observation = { ...(row.observation as WeatherObservation), [field]: null };
  row.cleanings.push({
    rule: 'step',
    detail: `${field} ${value} jumps from ${reference} and back; nulled`,
  });
}

/** Both fields jump away from their references, and both are continuous again when read as °F. */
function opensBlock(refT: Reference, refD: Reference, at: number, t: number, d: number): boolean {
  const stepT = plausibleStepC(at - refT.at);
  const stepD = plausibleStepC(at - refD.at);
  const jumps = Math.abs(t - refT.value) > stepT;
  const tBack = Math.abs(fahrenheitToCelsius(t) - refT.value) <= stepT;
  // The dew point must move towards its reference when converted: its own jump may be small (cold, dry air).
  const dBack =
    Math.abs(fahrenheitToCelsius(d) - refD.value) <= stepD &&
    Math.abs(fahrenheitToCelsius(d) - refD.value) < Math.abs(d - refD.value);
  return jumps && tBack && dBack;
}
