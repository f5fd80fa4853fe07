import type { SessionStore } from 'telegraf';

/** What the session middleware keeps per key (`${from.id}:${chat.id}`): any JSON object. */
export type SessionData = Record<string, unknown>;

/** Telegraf's session store interface, as our stores implement it. */
export type BotSessionStore = SessionStore<SessionData>;

/** The shape both stores have (Telegraf's SessionStore is a union, which a class cannot implement). */
export interface SessionStoreMethods {
  get(key: string): SessionData | undefined | Promise<SessionData | undefined>;
  set(key: string, value: SessionData): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The JSON to store for `value`, or null when there is nothing worth storing. nestjs-telegraf's
 * Stage gives every session a `__scenes` object on every update (`{}` outside a scene); without a
 * current scene it carries nothing, so it is left out, and a session left with no fields is no
 * session: the store deletes it (or skips the delete when there is none), instead of writing `{}`
 * for every user on every update.
 */
export function serializeSession(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  const { __scenes, ...rest } = value as SessionData;
  const inScene = (__scenes as { current?: unknown } | undefined)?.current !== undefined;
  const kept: SessionData = inScene ? { ...rest, __scenes } : rest;
  return Object.keys(kept).length > 0 ? JSON.stringify(kept) : null;
}
