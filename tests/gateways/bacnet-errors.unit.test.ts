import { describe, expect, it } from 'vitest';
import { classifyBacnetError } from '../../sources/gateways/bacnet/index.ts';

describe('BACnet errors as gateway codes', () => {
  it('names the class and code of an Error PDU', () => {
    expect(classifyBacnetError(new Error('BacnetError - Class:2 - Code:40'))).toEqual({
      code: 'exception',
      message: 'BACnet error property/write-access-denied (class 2, code 40)',
      errorClass: 'property',
      errorCode: 'write-access-denied',
    });
  });
  it('keeps numbers it has no name for', () => {
    expect(classifyBacnetError(new Error('BacnetError - Class:99 - Code:9999')).message).toBe(
      'BACnet error class-99/code-9999 (class 99, code 9999)',
    );
  });
  it('tells silence, a closed socket, an abort and an undecodable answer apart', () => {
    expect(classifyBacnetError(new Error('ERR_TIMEOUT')).code).toBe('timeout');
    expect(classifyBacnetError(new Error('ERR_CLOSED')).code).toBe('disconnected');
    expect(classifyBacnetError(new Error('BacnetAbort - Reason:9'))).toMatchObject({
      code: 'exception',
      errorClass: 'abort',
      message: expect.stringContaining('reject: unrecognized-service'),
    });
    expect(classifyBacnetError(new Error('INVALID_DECODING')).code).toBe('decode');
  });
});
