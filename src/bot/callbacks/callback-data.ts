import { Markup } from 'telegraf';

/** Telegram's limit on `callback_data`, in bytes of UTF-8. */
export const CALLBACK_DATA_MAX_BYTES = 64;

/** A button's data cannot be built (over Telegram's limit, a missing field) or defined. */
export class CallbackDataError extends Error {
  override name = 'CallbackDataError';
}

/** One kind of button data: `prefix:version:field…`, each field URI-encoded. */
export interface CallbackData<F extends string> {
  readonly prefix: string;
  readonly version: number;
  /** Matches data of this prefix and version, for `@Action(…)`; other data falls through. */
  readonly trigger: RegExp;
  /** The data for `values`; throws CallbackDataError when it exceeds 64 bytes. */
  encode(values: Record<F, string | number>): string;
  /** The fields of `data`, or null when it is foreign, of another version or malformed. */
  decode(data: string | undefined): Record<F, string> | null;
  /** An inline button carrying `values` (encoded, so checked, when the keyboard is built). */
  button(
    text: string,
    values: Record<F, string | number>,
  ): ReturnType<typeof Markup.button.callback>;
}

const PREFIX = /^[a-z][a-z0-9_-]*$/;
const defined = new Set<string>();

/**
 * Defines the data of one kind of button. Bump `version` when the fields change: buttons sent
 * before then stop matching `trigger` and get the "expired" answer instead of a wrong action.
 * Hand-written: it is a dozen lines, and the callback-data libraries are tied to other frameworks.
 */
export function defineCallbackData<const F extends string>(
  prefix: string,
  version: number,
  fields: readonly F[],
): CallbackData<F> {
  if (!PREFIX.test(prefix)) {
    throw new CallbackDataError(`callback prefix "${prefix}" must match ${PREFIX}`);
  }
  if (!Number.isInteger(version) || version < 1) {
    throw new CallbackDataError(`callback "${prefix}": version must be a positive integer`);
  }
  const head = `${prefix}:${version}`;
  if (defined.has(head)) throw new CallbackDataError(`callback "${head}" is defined twice`);
  defined.add(head);

  const encode = (values: Record<F, string | number>): string => {
    const parts = fields.map((field) => {
      const value = values[field] as string | number | undefined;
      if (value === undefined) {
        throw new CallbackDataError(`callback "${head}": field "${field}" is missing`);
      }
      return encodeURIComponent(String(value));
    });
    const data = [head, ...parts].join(':');
    const bytes = Buffer.byteLength(data, 'utf8');
    if (bytes > CALLBACK_DATA_MAX_BYTES) {
      // The size only: the values may be user data.
      throw new CallbackDataError(
        `callback "${head}" data is ${bytes} bytes, over Telegram's limit of ${CALLBACK_DATA_MAX_BYTES}: shorten its fields (${fields.join(', ')})`,
      );
    }
    return data;
  };

  const decode = (data: string | undefined): Record<F, string> | null => {
    if (data === undefined) return null;
    const parts = data.split(':');
    if (parts.length !== fields.length + 2 || `${parts[0]}:${parts[1]}` !== head) return null;
    const values = {} as Record<F, string>;
    try {
      fields.forEach((field, i) => (values[field] = decodeURIComponent(parts[i + 2])));
    } catch {
      return null; // malformed %-escape
    }
    return values;
  };

  return {
    prefix,
    version,
    trigger: new RegExp(`^${head}(?::|$)`),
    encode,
    decode,
    button: (text, values) => Markup.button.callback(text, encode(values)),
  };
}
