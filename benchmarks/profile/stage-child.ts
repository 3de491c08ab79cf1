import { runProjector } from '../../app/index.ts';
import { type ProcessorName, runNamedProcessor } from '../../processors/index.ts';
import { connectBenchPlatform } from '../bench-platform.ts';
import { type FromStage, profileClockUs, type ToStage } from './stage-messages.ts';
import { PROJECTOR_STAGE } from './stage-plan.ts';

/**
 * A child process running one stage alone under `node --cpu-prof`, so its profile holds that stage
 * and nothing else. It takes its run over IPC, reports when it starts consuming, and on `stop` stops
 * the stage, closes the platform and exits normally, which is when Node writes the profile.
 */
function send(message: FromStage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function runStage(job: Extract<ToStage, { type: 'run' }>): Promise<void> {
  const platform = connectBenchPlatform(job.config, job.endpoints, job.id);
  await send({ type: 'connecting', atUs: profileClockUs() });
  let projected = 0;
  let stop: () => Promise<void>;
  if (job.stage === PROJECTOR_STAGE) {
    const projector = await runProjector(platform, {
      onOutcome: (outcome) => {
        projected += outcome.projected;
      },
    });
    stop = () => projector.stop();
    await send({ type: 'running', groupId: `${platform.names.prefix}projector` });
  } else {
    const processor = await runNamedProcessor(
      {
        kafka: platform.kafka,
        codec: platform.codec,
        names: platform.names,
        logger: platform.logger,
        sessionTimeoutMs: platform.config.kafka.sessionTimeoutMs,
      },
      job.stage as ProcessorName,
    );
    stop = () => processor.stop();
    await send({ type: 'running', groupId: processor.groupId });
  }
  process.on('message', (message: ToStage) => {
    if (message.type !== 'stop') return;
    const stopAtUs = profileClockUs();
    void (async () => {
      await stop();
      await platform.close();
      // resourceUsage reports the peak resident set in KiB.
      await send({
        type: 'stopped',
        stopAtUs,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        projected,
      });
      process.exit(0);
    })();
  });
}

process.once('message', (message: ToStage) => {
  if (message.type !== 'run') return;
  runStage(message).catch(async (error: unknown) => {
    await send({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  });
});
