import { zoneWallClock } from '../../../schemas/index.ts';
import type { ControlSchedule } from './control-events.ts';

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(hhmm: string): number {
  const match = HH_MM.exec(hhmm);
  if (match === null) throw new RangeError(`'${hhmm}' is not a time of day HH:MM`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * Whether `at` falls inside the schedule's window, read on the wall clock of its IANA zone: an ISO day
 * of the week it lists (1 Monday to 7 Sunday) and a local time in [start, end). Windows do not cross
 * midnight (the safety processor rejects those as schedule_invalid). Throws RangeError for a zone or
 * time the runtime cannot read, which the executor treats as outside: never write on a doubt.
 */
export function insideWindow(schedule: ControlSchedule, at: Date): boolean {
  const wall = new Date(zoneWallClock(at.getTime(), schedule.timeZone));
  const isoDay = wall.getUTCDay() === 0 ? 7 : wall.getUTCDay();
  if (!schedule.daysOfWeek.includes(isoDay)) return false;
  const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes();
  return minute >= minutesOf(schedule.start) && minute < minutesOf(schedule.end);
}
