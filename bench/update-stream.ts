import { menuButton } from '../src/bot/updates/menu.keyboards';

/** The callback data of the reference bot's Profile button. */
const PROFILE_BUTTON_DATA = menuButton.encode({ screen: 'profile' });

/** Kinds of update the load generator produces. */
export const enum UpdateKind {
  Text = 0,
  Me = 1,
  ProfileButton = 2,
}

/** Telegram user ids of simulated users start here (well away from any ADMIN_USER_ID in tests). */
export const USER_ID_BASE = 700_000_000;

/**
 * Updates as three typed arrays (kind, user, availability time) instead of objects, rendered to JSON
 * only when a poll serves them: a 20,000-update burst costs about 260 kB here, not 20,000 payloads.
 * Ids start at 1 and are dense, so an update's index is its id − 1.
 */
export class UpdateStream {
  private kinds: Uint8Array;
  private users: Int32Array;
  /** performance.now() when each update became available to the bot. */
  availableAt: Float64Array;
  /** performance.now() when a poll first served each update (0 until then). */
  servedAt: Float64Array;
  /** Number of updates generated so far; the last id is `count`. */
  count = 0;
  /** Highest offset the bot confirmed (every id below it is acknowledged). */
  confirmedOffset = 1;
  private onPush: (() => void) | undefined;

  constructor(capacity = 1024) {
    this.kinds = new Uint8Array(capacity);
    this.users = new Int32Array(capacity);
    this.availableAt = new Float64Array(capacity);
    this.servedAt = new Float64Array(capacity);
  }

  /** Called (once per event-loop turn at most) after updates were pushed. */
  setListener(listener: () => void): void {
    this.onPush = listener;
  }

  /** Makes one update available now; returns its id. */
  push(kind: UpdateKind, userIndex: number, now: number): number {
    if (this.count === this.kinds.length) this.grow();
    const i = this.count++;
    this.kinds[i] = kind;
    this.users[i] = userIndex;
    this.availableAt[i] = now;
    this.notify();
    return i + 1;
  }

  userOf(updateId: number): number {
    return this.users[updateId - 1];
  }

  kindOf(updateId: number): UpdateKind {
    return this.kinds[updateId - 1];
  }

  /** Confirmed updates: how many the bot acknowledged through its getUpdates offset. */
  get confirmed(): number {
    return this.confirmedOffset - 1;
  }

  confirm(offset: number): void {
    if (offset > this.confirmedOffset) this.confirmedOffset = Math.min(offset, this.count + 1);
  }

  /** Whether an update with id ≥ offset exists. */
  hasFrom(offset: number): boolean {
    return Math.max(offset, 1) <= this.count;
  }

  /** The JSON array getUpdates answers with: up to `limit` updates from `offset`. */
  render(offset: number, limit: number): string {
    const from = Math.max(offset, 1);
    const to = Math.min(this.count, from + limit - 1);
    const date = Math.floor(Date.now() / 1000);
    const now = performance.now();
    const parts: string[] = [];
    for (let id = from; id <= to; id++) {
      if (this.servedAt[id - 1] === 0) this.servedAt[id - 1] = now;
      parts.push(renderUpdate(id, this.kinds[id - 1], this.users[id - 1], date));
    }
    return `[${parts.join(',')}]`;
  }

  private pending = false;

  private notify(): void {
    if (this.pending || !this.onPush) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.onPush?.();
    });
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    const kinds = new Uint8Array(size);
    kinds.set(this.kinds);
    const users = new Int32Array(size);
    users.set(this.users);
    const at = new Float64Array(size);
    at.set(this.availableAt);
    const served = new Float64Array(size);
    served.set(this.servedAt);
    this.kinds = kinds;
    this.users = users;
    this.availableAt = at;
    this.servedAt = served;
  }
}

function renderUpdate(id: number, kind: UpdateKind, userIndex: number, date: number): string {
  const uid = USER_ID_BASE + userIndex;
  const chat = `{"id":${uid},"type":"private","first_name":"User${uid}"}`;
  const from = `{"id":${uid},"is_bot":false,"first_name":"User${uid}","username":"user${uid}","language_code":"en"}`;
  if (kind === UpdateKind.ProfileButton) {
    return (
      `{"update_id":${id},"callback_query":{"id":"cb${id}","from":${from},"chat_instance":"ci${uid}",` +
      `"data":"${PROFILE_BUTTON_DATA}","message":{"message_id":1,"date":${date},"chat":${chat},"text":"menu"}}}`
    );
  }
  const body =
    kind === UpdateKind.Me
      ? `"text":"/me","entities":[{"type":"bot_command","offset":0,"length":3}]`
      : `"text":"hello number ${id}"`;
  return `{"update_id":${id},"message":{"message_id":${id},"date":${date},"chat":${chat},"from":${from},${body}}}`;
}
