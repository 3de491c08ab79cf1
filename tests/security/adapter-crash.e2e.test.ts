import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/**
 * The MCP adapter killed with SIGKILL (no shutdown hook, no flush), as a crash or an OOM kill leaves
 * it: a restart must not reset a principal's rate-limit budget (the limits live in Redis), and every
 * control or admin call whose answer reached the client must already be in the audit log (the
 * adapter waits for the broker's acknowledgement of such a call's record before it answers).
 * `eaio mcp --stdio` runs as a child process against this file's slice of the shared stack.
 */

const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));

interface Adapter {
  readonly client: Client;
  readonly transport: StdioClientTransport;
  /** SIGKILL of the adapter process itself (`eaio mcp` runs in the process the transport spawned). */
  kill(): void;
}

describe('the MCP adapter killed with SIGKILL', () => {
  let platform: TestPlatform;
  const running: Adapter[] = [];
  const run = randomBytes(3).toString('hex');

  /** `eaio mcp --stdio` serving `subject` (an admin of every tenant), with `--set` overrides. */
  async function startAdapter(subject: string, sets: readonly string[]): Promise<Adapter> {
    const client = new Client({ name: 'eaio-security-crash', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        BIN,
        '--set',
        `mcp.stdio.subject=${subject}`,
        ...sets.flatMap((s) => ['--set', s]),
        'mcp',
        '--stdio',
      ],
      env: { ...getDefaultEnvironment(), ...platform.childEnv },
      stderr: 'pipe',
    });
    await client.connect(transport);
    const adapter: Adapter = {
      client,
      transport,
      kill() {
        const pid = transport.pid;
        if (pid !== null) process.kill(pid, 'SIGKILL');
      },
    };
    running.push(adapter);
    return adapter;
  }

  const text = (result: Awaited<ReturnType<Client['callTool']>>) =>
    (result.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');

  beforeAll(async () => {
    platform = await createTestPlatform('sec_crash');
  });

  afterAll(async () => {
    for (const adapter of running) {
      adapter.kill();
      await adapter.client.close().catch(() => undefined);
    }
    await platform?.dispose();
  });

  it("keeps a principal's rate-limit budget across a kill -9 and restart, and only that principal's", async () => {
    const limits = ['mcp.rateLimit.requestsPerMinute=3', 'mcp.rateLimit.burst=1'];
    const alice = `sec-alice-${run}`;
    const call = async (adapter: Adapter) =>
      text(
        await adapter.client.callTool({
          name: TOOL_NAMES.getCommandStatus,
          arguments: { commandId: 'no-such-command' },
        }),
      );

    const first = await startAdapter(alice, limits);
    // 3 a minute and a burst of 1 above it: four calls pass, the fifth is refused.
    for (let i = 0; i < 4; i++) expect(await call(first), `call ${i + 1}`).not.toMatch(/^Rate limit reached/);
    expect(await call(first)).toMatch(
      new RegExp(`^Rate limit reached: '${alice}' made 3 tool calls in 60 s \\(and used its burst of 1\\)`),
    );

    first.kill();
    const restarted = await startAdapter(alice, limits);
    expect(await call(restarted)).toMatch(/^Rate limit reached/);

    // Another principal on the same restarted adapter configuration has its own, untouched budget.
    const bob = await startAdapter(`sec-bob-${run}`, limits);
    expect(await call(bob)).not.toMatch(/^Rate limit reached/);
  });

  it('has every answered control call in the audit log, whatever the moment of the kill', async () => {
    const subject = `sec-carol-${run}`;
    const adapter = await startAdapter(subject, ['mcp.rateLimit.requestsPerMinute=100000']);
    const answered: string[] = [];
    const unanswered: string[] = [];
    const answeredReadOnly: string[] = [];
    const total = 120;
    const killAfter = 40;
    let sent = 0;
    const worker = async () => {
      while (sent < total) {
        const i = sent++;
        // A control call (not read-only: audited before its answer) and a read-only one, alternately.
        const control = i % 2 === 0;
        const commandId = `k9-${run}-${i}`;
        try {
          await adapter.client.callTool({
            name: control ? TOOL_NAMES.cancelControlCommand : TOOL_NAMES.getCommandStatus,
            arguments: { commandId },
          });
          (control ? answered : answeredReadOnly).push(commandId);
          if (answered.length === killAfter) adapter.kill();
        } catch {
          if (control) unanswered.push(commandId);
        }
      }
    };
    // Four calls in flight at once, so the kill lands while some are between their audit and their answer.
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(answered.length).toBeGreaterThanOrEqual(killAfter);
    expect(unanswered.length).toBeGreaterThan(0);

    const records = await Promise.all(
      (await readTopicToEnd(platform.kafka, platform.names.topic('auditLog'))).map(
        async (m) => (await platform.codec.decode('auditLog', m.message.value)).value,
      ),
    );
    const auditedIds = new Set(
      records
        .filter((r) => r.actor === subject)
        .map((r) => (JSON.parse(r.details?.arguments ?? '{}') as { commandId?: string }).commandId),
    );
    const missing = answered.filter((id) => !auditedIds.has(id));
    expect(missing).toEqual([]);
    const readOnlyMissing = answeredReadOnly.filter((id) => !auditedIds.has(id));
    console.info(
      `audit under kill -9: ${answered.length} control calls answered, all audited; ${unanswered.length} control calls cut off (${unanswered.filter((id) => auditedIds.has(id)).length} of them audited anyway); ${answeredReadOnly.length} read-only calls answered, ${readOnlyMissing.length} of them without a record (batched off the call's path, lost with the process)`,
    );
  });
});
