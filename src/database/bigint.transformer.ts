import type { ValueTransformer } from 'typeorm';

/** Telegram ids fit in 52 bits, so `bigint` columns are safe to read back as JS numbers. */
export const bigintToNumber: ValueTransformer = {
  to: (value?: number | null) => value,
  from: (value?: string | null) => (value === null || value === undefined ? value : Number(value)),
};
