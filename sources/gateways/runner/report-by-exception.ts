/** The last point value a gateway reported, per point. */
export interface ReportedValue {
  readonly value: number;
  readonly at: Date;
}

/**
 * Whether a point's fresh read is worth an event: the first read, a change larger than the point's COV
 * increment (any change when it is 0), or the last report older than `refreshMs`. Report by exception,
 * as BACnet COV does: a setpoint polled every few seconds that nobody moves would otherwise put
 * thousands of identical values a day on point-values, and every control-safety instance holds that
 * topic as a table in memory. The refresh keeps the value young enough for the processor's stale_value
 * rule (15 minutes by default), so it must stay below that.
 */
export function shouldReportValue(
  last: ReportedValue | undefined,
  value: number,
  at: Date,
  covIncrement: number,
  refreshMs: number,
): boolean {
  if (last === undefined) return true;
  if (at.getTime() - last.at.getTime() >= refreshMs) return true;
  const change = Math.abs(value - last.value);
  return covIncrement === 0 ? change > 0 : change >= covIncrement;
}
