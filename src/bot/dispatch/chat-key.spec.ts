import type { Update } from 'telegraf/types';
import { chatIdOf, chatKeyOf } from './chat-key';

const chat = { id: 42, type: 'private' };
const from = { id: 42, is_bot: false, first_name: 'A' };

describe('chatKeyOf', () => {
  it.each([
    ['message', { message: { message_id: 1, date: 1, chat, from, text: 'hi' } }],
    [
      'callback_query',
      { callback_query: { id: 'q', from, chat_instance: 'c', message: { chat } } },
    ],
    [
      'my_chat_member',
      {
        my_chat_member: {
          chat,
          from,
          date: 1,
          old_chat_member: { status: 'member', user: from },
          new_chat_member: { status: 'kicked', user: from },
        },
      },
    ],
  ])('queues a %s in its chat', (_kind, body) => {
    expect(chatKeyOf({ update_id: 1, ...body } as unknown as Update)).toBe('42');
  });

  it('queues an update without a chat apart', () => {
    expect(chatKeyOf({ update_id: 1 } as Update)).toBe('no-chat');
  });
});

describe('chatIdOf', () => {
  it('gives no chat to answer for a membership change', () => {
    const update = {
      update_id: 1,
      my_chat_member: { chat, from, date: 1 },
    } as unknown as Update;
    expect(chatIdOf(update)).toBeUndefined();
  });
});
