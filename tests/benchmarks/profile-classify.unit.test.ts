import { describe, expect, it } from 'vitest';
import { type Category, classifyFrame, projectPath } from '../../benchmarks/profile/index.ts';

const ROOT = '/work/repo';
const nm = (path: string) => `file://${ROOT}/node_modules/${path}`;

describe('classifying a CPU profile frame', () => {
  it.each<[string, string, Category]>([
    ['(idle)', '', 'idle'],
    ['(garbage collector)', '', 'gc'],
    ['(program)', '', 'program'],
    ['(root)', '', 'other'],
    ['decode', nm('avsc/lib/types.js'), 'avro'],
    ['decode', nm('@kafkajs/confluent-schema-registry/dist/SchemaRegistry.js'), 'registry'],
    ['lookup', `file://${ROOT}/schemas/registry-client.ts`, 'registry'],
    ['successCallback', nm('mappersmith/gateway/gateway.js'), 'registry'],
    ['_parse', nm('zod/v4/core/schemas.js'), 'zod'],
    ['parse', nm('pg-protocol/dist/parser.js'), 'sql'],
    ['query', nm('pg/lib/client.js'), 'sql'],
    ['sendCommand', nm('ioredis/built/Redis.js'), 'redis'],
    ['startSpan', nm('@opentelemetry/sdk-trace/build/src/Tracer.js'), 'telemetry'],
    ['inc', nm('prom-client/lib/counter.js'), 'telemetry'],
    ['write', nm('pino/lib/proto.js'), 'logging'],
    ['next', nm('rxjs/dist/cjs/internal/Subscriber.js'), 'rxjs'],
    ['transform', nm('esbuild/lib/main.js'), 'loader'],
    ['commitTransaction', nm('kafkajs/src/producer/eosManager/index.js'), 'kafkajs-transactions'],
    ['sendOffsets', nm('kafkajs/src/producer/index.js'), 'kafkajs-transactions'],
    ['send', nm('kafkajs/src/producer/sendMessages.js'), 'kafkajs-produce'],
    ['encode', nm('kafkajs/src/protocol/requests/produce/v3/request.js'), 'kafkajs-produce'],
    ['fetch', nm('kafkajs/src/consumer/runner.js'), 'kafkajs-consume'],
    ['decode', nm('kafkajs/src/protocol/recordBatch/v0/index.js'), 'kafkajs-consume'],
    ['connect', nm('kafkajs/src/network/connection.js'), 'kafkajs-other'],
    ['somethingElse', nm('left-pad/index.js'), 'other'],
    ['windowFor', `file://${ROOT}/processors/windows/window-math.ts`, 'project'],
    ['decodeEvent', `file://${ROOT}/stream-runtime/decode-event.ts`, 'avro'],
    ['encode', `file://${ROOT}/schemas/event-codec.ts`, 'avro'],
    ['toZod', `file://${ROOT}/schemas/avro-zod/convert.ts`, 'zod'],
    ['recordBatch', `file://${ROOT}/stream-runtime/batch-metrics.ts`, 'telemetry'],
    ['sendOffsets', `file://${ROOT}/stream-runtime/send-offsets.ts`, 'kafkajs-transactions'],
    ['onData', 'node:net', 'node'],
    ['runMicrotasks', '', 'other'],
    ['elsewhere', 'file:///opt/other/app.js', 'other'],
  ])('%s in %s is %s', (functionName, url, category) => {
    expect(classifyFrame({ functionName, url }, ROOT)).toBe(category);
  });

  it('takes a nested node_modules path by its innermost package', () => {
    expect(classifyFrame({ functionName: 'f', url: nm('kafkajs/node_modules/zod/index.js') }, ROOT)).toBe(
      'zod',
    );
  });

  it('counts as project code only files under the root outside node_modules, whether the root ends in a slash or not', () => {
    expect(projectPath(`file://${ROOT}/app/index.ts`, `${ROOT}/`)).toBe('app/index.ts');
    expect(projectPath(`file://${ROOT}/app/index.ts`, ROOT)).toBe('app/index.ts');
    expect(projectPath(`file://${ROOT}-other/app/index.ts`, ROOT)).toBeUndefined();
    expect(projectPath(nm('rxjs/index.js'), ROOT)).toBeUndefined();
  });
});
