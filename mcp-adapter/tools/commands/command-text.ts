/** What the few lines for the model are made of: the structured answer of get_command_status. */
export interface TimelineText {
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  readonly status: string;
  readonly statusAt: string;
  readonly requestedBy: string | null;
  readonly value: number | null;
  readonly unit: string | null;
  readonly priority: number | null;
  readonly expiresAt: string | null;
  readonly decisionReasons: readonly { readonly message: string }[] | null;
  readonly deviceMessage: string | null;
  readonly history: readonly {
    readonly status: string;
    readonly occurredAt: string;
    readonly actor: string | null;
    readonly value: number | null;
    readonly priority: number | null;
    readonly readBack: number | null;
    readonly cause: string | null;
    readonly ignored: string | null;
  }[];
}

function step(h: TimelineText['history'][number]): string {
  const details = [
    h.actor === null ? null : `by ${h.actor}`,
    h.status === 'requested' || h.value === null ? null : `value ${h.value}`,
    h.status === 'requested' || h.priority === null ? null : `@${h.priority}`,
    h.readBack === null ? null : `read back ${h.readBack}`,
    h.cause === null ? null : `cause ${h.cause}`,
    h.ignored === null ? null : `ignored: ${h.ignored}`,
  ].filter((d) => d !== null);
  return `${h.status} ${h.occurredAt}${details.length === 0 ? '' : ` (${details.join(', ')})`}`;
}

/** A command's status and timeline in a few lines. */
export function commandTimelineText(c: TimelineText): string[] {
  const asked =
    c.value === null
      ? ''
      : ` = ${`${c.value} ${c.unit ?? ''}`.trimEnd()}${c.priority === null ? '' : ` at priority ${c.priority}`}`;
  return [
    `Command ${c.commandId} (${c.buildingId}/${c.pointId}${asked}${c.requestedBy === null ? '' : `, by ${c.requestedBy}`}${c.expiresAt === null ? '' : `, expires ${c.expiresAt}`}): ${c.status} at ${c.statusAt}.`,
    `History: ${c.history.map(step).join(' → ')}.`,
    ...(c.decisionReasons?.length ? [`Reasons: ${c.decisionReasons.map((r) => r.message).join('; ')}`] : []),
    ...(c.deviceMessage ? [`Device: ${c.deviceMessage}`] : []),
  ];
}
