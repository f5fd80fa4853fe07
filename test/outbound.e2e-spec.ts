import { texts } from './support/texts';
import { BroadcastService } from '../src/outbound/broadcast.service';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';

jest.setTimeout(120_000);

// Three seconds of sending at 30/s: far past the governor's burst, so every call goes through its
// gate, without a long run per test.
const USERS = 90;

/**
 * The outbound sender against a Bot API double that enforces Telegram's flood limits (30 messages
 * per second overall, 1 per second per chat) with 429 + retry_after.
 */
describe('outbound sender under Telegram flood limits', () => {
  let t: BotTestContext;
  let broadcasts: BroadcastService;

  beforeAll(async () => {
    t = await startBotApp({
      OUTBOUND_GLOBAL_PER_SECOND: '30',
      OUTBOUND_CHAT_PER_SECOND: '1',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
    });
    t.api.floodLimits = { globalPerSecond: 30, chatPerSecond: 1 };
    broadcasts = t.app.get(BroadcastService);
  });
  afterAll(() => t.close());

  const ids = (from: number, count = USERS) => Array.from({ length: count }, (_, i) => from + i);
  const sends = (text: string) =>
    t.api.calls.filter((c) => c.method === 'sendMessage' && c.payload.text === text);
  const tooMany = () => t.api.calls.filter((c) => c.status === 429).length;

  it('answers 90 users sending /start at once, with at most a handful of 429s', async () => {
    const users = ids(10_001);
    const floodsBefore = tooMany();
    const started = Date.now();

    t.api.push(...users.map((id) => textMessage(id, '/start')));
    await t.api.waitFor(
      () => users.every((id) => t.api.repliesTo(id).length === 1),
      60_000,
      `${USERS} welcomes`,
    );

    const replies = t.api
      .callsOf('sendMessage')
      .filter((c) => c.payload.text.startsWith('Welcome'));
    const span = (ms: number) => ((ms - started) / 1000).toFixed(1);
    const floods = tooMany() - floodsBefore;
    process.stdout.write(
      `${USERS} /start: first reply at ${span(Math.min(...replies.map((c) => c.at)))} s, last at ` +
        `${span(Math.max(...replies.map((c) => c.at)))} s (${USERS / 30} s minimum), ${floods} 429s\n`,
    );
    expect(floods).toBeLessThanOrEqual(5);
    for (const id of users) expect(t.api.repliesTo(id)).toEqual([texts.welcome(`User${id}`)]);
  });

  it('broadcasts to 90 chats and reports 90 sent, each chat receiving the text once', async () => {
    const chats = ids(20_001);

    const result = await broadcasts.broadcast('News one', chats);

    expect(result).toEqual({ sent: USERS, failed: 0, blocked: 0 });
    const delivered = sends('News one').filter((c) => c.status === 200);
    expect(new Set(delivered.map((c) => c.payload.chat_id)).size).toBe(USERS);
    expect(delivered).toHaveLength(USERS);
  });

  it('survives a 429 storm and counts users who blocked the bot', async () => {
    const chats = ids(30_001);
    const blocked = chats.slice(0, 5);
    blocked.forEach((id) => t.api.blockedChats.add(id));
    // Each 429 pauses every call for 1 s and the governor's burst of 3 meets the next refusals:
    // 10 refusals are four rounds of pauses.
    t.api.failNext('sendMessage', 10, {
      status: 429,
      description: 'Too Many Requests: retry after 1',
      retryAfter: 1,
    });

    const result = await broadcasts.broadcast('News two', chats);

    expect(result).toEqual({ sent: USERS - 5, failed: 0, blocked: 5 });
    expect(sends('News two').filter((c) => c.status === 200)).toHaveLength(USERS - 5);
  });

  it('puts interactive replies ahead of a running broadcast', async () => {
    // Six seconds of broadcast: the reply has seconds to come through intake before the end.
    const chats = ids(40_001, 180);
    const running = broadcasts.broadcast('News three', chats);
    await t.api.waitFor(() => sends('News three').length >= 30, 10_000, 'broadcast under way');

    t.api.push(textMessage(49_999, 'hello during the broadcast'));
    await t.api.waitFor(() => t.api.repliesTo(49_999).length === 1, 10_000, 'interactive reply');
    const replyAt = t.api.calls.find(
      (c) => c.method === 'sendMessage' && c.payload.chat_id === 49_999,
    )!.at;

    await expect(running).resolves.toEqual({ sent: chats.length, failed: 0, blocked: 0 });
    // Behind the broadcast's queue the reply would come after its last call; it went first.
    const after = sends('News three').filter((c) => c.status === 200 && c.at > replyAt);
    expect(after.length).toBeGreaterThan(chats.length / 3);
  });

  it('never re-sends a reply after a 5xx answer or a dropped connection', async () => {
    // A 502/504 may come from a proxy after Telegram delivered the message.
    t.api.failNext('sendMessage', 1, { status: 502, description: 'Bad Gateway' });
    t.api.push(textMessage(50_001, 'first'));
    await t.api.waitFor(
      () => t.api.calls.some((c) => c.payload.chat_id === 50_001),
      15_000,
      'attempt after 502',
    );

    t.api.failNext('sendMessage', 1, { destroy: true });
    t.api.push(textMessage(50_002, 'second'));
    await t.api.waitFor(
      () => t.api.calls.some((c) => c.payload.chat_id === 50_002),
      15_000,
      'attempt',
    );
    // Updates of one chat run one after another and a reply's retries happen inside its handler:
    // once a later message of each chat is answered, nothing can re-send the first reply any more.
    for (const chatId of [50_001, 50_002]) t.api.push(textMessage(chatId, '/help'));
    await t.api.waitFor(
      () => [50_001, 50_002].every((id) => t.api.repliesTo(id).includes(texts.help)),
      15_000,
      'the later /help answered in both chats',
    );

    // Telegram may have delivered the lost call: the same message is not sent a second time.
    for (const chatId of [50_001, 50_002]) {
      const attempts = t.api.calls.filter(
        (c) => c.payload.chat_id === chatId && c.payload.text === texts.saved,
      );
      expect(attempts).toHaveLength(1);
    }
  });
});
