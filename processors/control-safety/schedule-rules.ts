import type { ControlCommandRequested, DecisionReason } from '../../schemas/index.ts';
import { formatDuration } from './format.ts';

type ControlSchedule = NonNullable<ControlCommandRequested['schedule']>;

// 24-hour 'HH:MM', 00:00 to 23:59: windows do not cross midnight, so there is no 24:00.
const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
// An IANA name ('Europe/London', 'America/Argentina/Buenos_Aires', 'UTC'), not a UTC offset such as
// '+01:00', which Intl also takes but which ignores daylight saving: occupied hours follow the clock.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * Whether `timeZone` is an IANA time zone this runtime knows. Decided by the ICU data of the Node
 * binary: a replay on the same release decides alike; a zone added to the tz database later is only
 * known once the binary that runs the gateways (which applies the window) knows it too.
 */
export function isKnownTimeZone(timeZone: string): boolean {
  if (!IANA_NAME.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function scheduleProblems(schedule: ControlSchedule): string[] {
  const problems: string[] = [];
  if (!isKnownTimeZone(schedule.timeZone)) {
    problems.push(
      `time zone '${schedule.timeZone}' is not an IANA time zone; set schedule.timeZone to a name such as 'Europe/London'`,
    );
  }
  const days = schedule.daysOfWeek;
  if (days.length === 0) {
    problems.push('the window opens on no day; set schedule.daysOfWeek to ISO days 1 (Monday) to 7 (Sunday)');
  } else {
    const bad = days.filter((d) => !(Number.isInteger(d) && d >= 1 && d <= 7));
    if (bad.length > 0) {
      problems.push(
        `days ${bad.join(', ')} are not ISO days; use 1 (Monday) to 7 (Sunday) in schedule.daysOfWeek`,
      );
    }
  }
  const startOk = HH_MM.test(schedule.start);
  const endOk = HH_MM.test(schedule.end);
  if (!startOk) problems.push(`start '${schedule.start}' is not a 24-hour 'HH:MM' from 00:00 to 23:59`);
  if (!endOk) problems.push(`end '${schedule.end}' is not a 24-hour 'HH:MM' from 00:00 to 23:59`);
  // Fixed-width 'HH:MM' strings compare in time order.
  if (startOk && endOk && !(schedule.end > schedule.start)) {
    problems.push(
      `end ${schedule.end} is not after start ${schedule.start}; windows do not cross midnight, so split an overnight window into two commands`,
    );
  }
  return problems;
}

/**
 * schedule_invalid: a recurring window the gateway could not apply (unknown time zone, no day or a day
 * outside 1-7, a malformed 'HH:MM', an end not after its start), one reason per problem; and a
 * heartbeat that is not a positive number of seconds or longer than the command lasts. A heartbeat is
 * part of the command's timing like its window, which is why it shares the code: a heartbeat of zero
 * would have the command relinquished at once, one longer than the command would never be missed.
 */
export function timingReasons(command: ControlCommandRequested): DecisionReason[] {
  const reasons: DecisionReason[] = [];
  if (command.schedule !== null && command.schedule !== undefined) {
    for (const problem of scheduleProblems(command.schedule)) {
      reasons.push({
        code: 'schedule_invalid',
        message: `Schedule of command ${command.commandId}: ${problem}.`,
      });
    }
  }
  const heartbeat = command.heartbeatSeconds;
  if (heartbeat === null || heartbeat === undefined) return reasons;
  const durationMs = command.expiresAt.getTime() - command.occurredAt.getTime();
  if (!(Number.isFinite(heartbeat) && heartbeat > 0)) {
    reasons.push({
      code: 'schedule_invalid',
      message: `heartbeatSeconds ${heartbeat} is not a positive number of seconds; send a heartbeat interval of 1 s or more, or null for no heartbeat.`,
    });
  } else if (durationMs > 0 && heartbeat * 1000 > durationMs) {
    reasons.push({
      code: 'schedule_invalid',
      message: `heartbeatSeconds ${heartbeat} is longer than the command lasts (${formatDuration(durationMs)} until expiresAt), so a missed heartbeat could never be noticed; set heartbeatSeconds to at most ${Math.floor(durationMs / 1000)}, or null for no heartbeat.`,
    });
  }
  return reasons;
}
