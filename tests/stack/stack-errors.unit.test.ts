import { describe, expect, it } from 'vitest';
import { EaioError, ERROR_CODES, isTransient } from '../../infra/errors/index.ts';
import { StackError } from '../../infra/stack/index.ts';

describe('StackError: a stack failure in the coded hierarchy', () => {
  it('is an EaioError with a listed code, a kind, its cause, and the service in message and context', () => {
    const cause = new Error('spawn java ENOENT');
    const error = new StackError('kafka', 'STACK_MISSING_BINARY', 'permanent', 'java not found on PATH', {
      cause,
    });
    expect(error).toBeInstanceOf(EaioError);
    expect(error.name).toBe('StackError');
    expect(error.message).toBe('[kafka] java not found on PATH');
    expect(ERROR_CODES).toContain(error.code);
    expect(error.kind).toBe('permanent');
    expect(error.cause).toBe(cause);
    expect(error.service).toBe('kafka');
    expect(error.context).toEqual({ service: 'kafka' });
    expect(isTransient(error)).toBe(false);
  });

  it('keeps context given by the thrower beside the service; a readiness timeout is transient', () => {
    const error = new StackError('postgres', 'STACK_NOT_READY', 'transient', 'not ready after 60 s', {
      context: { logFile: '/tmp/pg.log' },
    });
    expect(error.context).toEqual({ service: 'postgres', logFile: '/tmp/pg.log' });
    expect(isTransient(error)).toBe(true);
  });
});
