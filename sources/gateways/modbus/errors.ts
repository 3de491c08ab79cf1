import { GatewayError } from '../gateway.ts';
import { ModbusCodecError } from './codec.ts';

/** Modbus exception codes (Modbus Application Protocol v1.1b3, section 7) and their names. */
export const MODBUS_EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/**
 * Turns what modbus-serial rejected with into a GatewayError: an exception response carries
 * `modbusCode`, an unanswered request `errno: 'ETIMEDOUT'`, a closed port `Port Not Open`; anything
 * else from the socket means the connection is gone.
 */
export function toGatewayError(error: unknown, what: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof ModbusCodecError)
    return new GatewayError('decode', `${what}: ${error.message}`, { cause: error });
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    modbusCode?: unknown;
    errno?: unknown;
    name?: unknown;
    message?: unknown;
  };
  if (typeof fields.modbusCode === 'number') {
    const name = MODBUS_EXCEPTION_NAMES[fields.modbusCode] ?? 'unknown exception';
    return new GatewayError('exception', `${what}: Modbus exception ${fields.modbusCode} (${name})`, {
      cause: error,
    });
  }
  if (fields.errno === 'ETIMEDOUT' || fields.name === 'TransactionTimedOutError') {
    return new GatewayError('timeout', `${what}: no answer in time`, { cause: error });
  }
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  return new GatewayError('disconnected', `${what}: ${message}`, { cause: error });
}
