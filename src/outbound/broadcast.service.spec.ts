import type { TelegramConfig } from '../config/app.config';
import { BroadcastService } from './broadcast.service';
import type { OutboundService } from './outbound.service';

const config = { outbound: { globalPerSecond: 30 } } as TelegramConfig;

/**
 * An outbound sender that, like OutboundService, awaits `beforeSend` before sending; it records
 * each payload sent and refuses chat 3 with a 403.
 */
function recordingOutbound() {
  const payloads: Record<string, unknown>[] = [];
  const outbound = {
    call: async (
      _method: string,
      payload: Record<string, unknown>,
      _lane: string,
      beforeSend?: () => Promise<void>,
    ) => {
      await beforeSend?.();
      payloads.push(payload);
      if (payload.chat_id === 3) {
        return Promise.reject(Object.assign(new Error('403'), { response: { error_code: 403 } }));
      }
      return Promise.resolve({ message_id: 1 });
    },
  } as unknown as OutboundService;
  return { outbound, payloads };
}

describe('BroadcastService', () => {
  it("sends the admin's formatting and reports each chat's outcome", async () => {
    const { outbound, payloads } = recordingOutbound();
    const outcomes: [number, string][] = [];
    const service = new BroadcastService(outbound, config, { paid: false });
    const entities = [{ type: 'bold' as const, offset: 0, length: 3 }];

    const result = await service.broadcast({ text: 'Big news', entities }, [1, 2, 3], {
      onOutcome: (id, o) => outcomes.push([id, o]),
    });

    expect(result).toEqual({ sent: 2, failed: 0, blocked: 1 });
    expect(outcomes.sort()).toEqual([
      [1, 'sent'],
      [2, 'sent'],
      [3, 'blocked'],
    ]);
    expect(payloads[0]).toEqual({ chat_id: 1, text: 'Big news', entities });
  });

  it('asks for a paid broadcast when BROADCAST_PAID is set', async () => {
    const { outbound, payloads } = recordingOutbound();
    const service = new BroadcastService(outbound, config, { paid: true });

    await service.broadcast('news', [1]);

    expect(payloads).toEqual([{ chat_id: 1, text: 'news', allow_paid_broadcast: true }]);
  });

  it('sends a chat only once its beforeSend resolved; a rejected one is not sent and failed', async () => {
    const { outbound, payloads } = recordingOutbound();
    const service = new BroadcastService(outbound, config, { paid: false });
    const before: number[] = [];

    const result = await service.broadcast('news', [1, 2, 4], {
      beforeSend: async (chatId) => {
        before.push(chatId);
        expect(payloads.map((p) => p.chat_id)).not.toContain(chatId);
        if (chatId === 2) throw new Error('not recorded');
      },
    });

    expect(before.sort()).toEqual([1, 2, 4]);
    expect(payloads.map((p) => p.chat_id).sort()).toEqual([1, 4]);
    expect(result).toEqual({ sent: 2, failed: 1, blocked: 0 });
  });
});
