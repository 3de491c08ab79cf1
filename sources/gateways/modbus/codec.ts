import type { ModbusByteOrder, ModbusValueType } from './point-map.ts';

/** How a point's registers are laid out: the fields of a point the codec needs. */
export interface RegisterLayout {
  readonly type: ModbusValueType;
  readonly byteOrder: ModbusByteOrder;
  readonly wordOrder: ModbusByteOrder;
  readonly scale: number;
  readonly offset: number;
}

/** A register value that cannot be turned into a number, or a number that cannot be written. */
export class ModbusCodecError extends Error {
  override readonly name = 'ModbusCodecError';
}

/**
 * Puts a point's 1 or 2 registers (as read, in address order) into one big-endian byte buffer, so a
 * single read*BE call decodes every byte/word order.
 */
function toBigEndian(words: readonly number[], layout: RegisterLayout): Buffer {
  const ordered = words.length === 2 && layout.wordOrder === 'little' ? [words[1], words[0]] : words;
  const buffer = Buffer.alloc(ordered.length * 2);
  ordered.forEach((word, i) => {
    if (word === undefined || !Number.isInteger(word) || word < 0 || word > 0xffff) {
      throw new ModbusCodecError(`register value ${String(word)} is not a 16-bit word`);
    }
    const swapped = layout.byteOrder === 'little' ? ((word & 0xff) << 8) | (word >> 8) : word;
    buffer.writeUInt16BE(swapped, i * 2);
  });
  return buffer;
}

/** Inverse of {@link toBigEndian}: the registers to write, in address order. */
function fromBigEndian(buffer: Buffer, layout: RegisterLayout): number[] {
  const words: number[] = [];
  for (let i = 0; i < buffer.length; i += 2) {
    const word = buffer.readUInt16BE(i);
    words.push(layout.byteOrder === 'little' ? ((word & 0xff) << 8) | (word >> 8) : word);
  }
  return words.length === 2 && layout.wordOrder === 'little'
    ? [words[1] as number, words[0] as number]
    : words;
}

/** The raw number the registers hold, before scale and offset. */
export function decodeRaw(words: readonly number[], layout: RegisterLayout): number {
  const expected = layout.type === 'int16' || layout.type === 'uint16' ? 1 : 2;
  if (words.length !== expected) {
    throw new ModbusCodecError(`${layout.type} needs ${expected} register(s), got ${words.length}`);
  }
  const buffer = toBigEndian(words, layout);
  switch (layout.type) {
    case 'int16':
      return buffer.readInt16BE(0);
    case 'uint16':
      return buffer.readUInt16BE(0);
    case 'int32':
      return buffer.readInt32BE(0);
    case 'uint32':
      return buffer.readUInt32BE(0);
    case 'float32': {
      const value = buffer.readFloatBE(0);
      if (!Number.isFinite(value)) {
        throw new ModbusCodecError(
          `float32 registers hold ${value} (0x${buffer.toString('hex')}), not a number`,
        );
      }
      return value;
    }
    case 'bool':
      throw new ModbusCodecError('bool is a coil or discrete input, not a register');
  }
}

/** value = raw * scale + offset. */
export function decodeRegisters(words: readonly number[], layout: RegisterLayout): number {
  return applyScale(decodeRaw(words, layout), layout);
}

export function applyScale(raw: number, layout: Pick<RegisterLayout, 'scale' | 'offset'>): number {
  return raw * layout.scale + layout.offset;
}

/** A coil or discrete input as 0 or 1 (scale and offset do not apply to a bit). */
export function decodeBit(bit: boolean): number {
  return bit ? 1 : 0;
}

/** The coil state for an on/off value: only 0 and 1 are accepted. */
export function encodeBit(value: number): boolean {
  if (value !== 0 && value !== 1) throw new ModbusCodecError(`a coil takes 0 or 1, not ${value}`);
  return value === 1;
}

const INTEGER_RANGES = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
} as const;

/**
 * The registers (in address order) that make the point read `value`: (value - offset) / scale,
 * rounded for integer types, refused when it does not fit the type.
 */
export function encodeRegisters(value: number, layout: RegisterLayout): number[] {
  if (!Number.isFinite(value)) throw new ModbusCodecError(`cannot write ${value}`);
  const raw = (value - layout.offset) / layout.scale;
  const buffer = Buffer.alloc(layout.type === 'int16' || layout.type === 'uint16' ? 2 : 4);
  switch (layout.type) {
    case 'float32':
      buffer.writeFloatBE(raw, 0);
      break;
    case 'bool':
      throw new ModbusCodecError('bool is a coil, not a register');
    default: {
      const rounded = Math.round(raw);
      const [min, max] = INTEGER_RANGES[layout.type];
      if (rounded < min || rounded > max) {
        throw new ModbusCodecError(`${value} is ${rounded} raw, outside ${layout.type} (${min} to ${max})`);
      }
      if (layout.type === 'int16') buffer.writeInt16BE(rounded, 0);
      else if (layout.type === 'uint16') buffer.writeUInt16BE(rounded, 0);
      else if (layout.type === 'int32') buffer.writeInt32BE(rounded, 0);
      else buffer.writeUInt32BE(rounded, 0);
    }
  }
  return fromBigEndian(buffer, layout);
}
