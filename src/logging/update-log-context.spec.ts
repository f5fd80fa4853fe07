import { Writable } from 'node:stream';
import pino from 'pino';
import { runWithUpdateLogContext, updateLogMixin } from './update-log-context';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ mixin: updateLogMixin }, stream) };
}

describe('update log context', () => {
  it('adds updateId, chatId and userId to every line written while an update is handled', async () => {
    const { lines, logger } = capture();
    const update = {
      update_id: 901,
      message: { chat: { id: -100500 }, from: { id: 42 } },
    };
    await runWithUpdateLogContext(update, async () => {
      await Promise.resolve();
      logger.info('handled');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'handled', updateId: 901, chatId: -100500, userId: 42 });
    expect(lines[1]).not.toHaveProperty('updateId');
  });

  it('takes the chat of a callback query from its message and omits ids that are absent', () => {
    const { lines, logger } = capture();
    runWithUpdateLogContext({ update_id: 7, callback_query: { from: { id: 5 } } }, () =>
      logger.info('tap'),
    );
    expect(lines[0]).toMatchObject({ updateId: 7, userId: 5 });
    expect(lines[0]).not.toHaveProperty('chatId');
  });
});
