import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TgUpdate } from '../src/sandbox/emulator/telegram.types';
import { SANDBOX_CAST } from '../src/sandbox/sandbox.config';
import { SandboxServer } from '../src/sandbox/sandbox.server';
import { describeWithChromium, launchChromium, SCREENSHOTS } from './support/chromium';

/**
 * What the page shows for Bot API calls the reference bot does not make (yet): the test plays the
 * bot against the emulator alone and looks at the page in Debian's Chromium.
 */
describeWithChromium('sandbox page in Chromium, with a scripted bot', () => {
  const TOKEN = '4242:page-test-token';
  const BOB = 10_002;
  let server: SandboxServer;
  let root: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let offset = 0;

  const bot = async (method: string, params: Record<string, unknown> = {}) => {
    const res = await fetch(`${root}/bot${TOKEN}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const body = (await res.json()) as { ok: boolean; result: any; description?: string };
    if (!body.ok) throw new Error(`${method}: ${body.description}`);
    return body.result;
  };
  /** The next update, as the bot would long-poll it. */
  const nextUpdate = async (): Promise<TgUpdate> => {
    const [update] = (await bot('getUpdates', { offset, timeout: 10, limit: 1 })) as TgUpdate[];
    offset = update.update_id + 1;
    return update;
  };
  const log = () => page.getByRole('log');

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = new SandboxServer({ token: TOKEN, floodLimits: null }, SANDBOX_CAST);
    root = await server.start();
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(`${root}/`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('offers the commands from setMyCommands in the / menu and sends the one picked', async () => {
    const menu = page.getByRole('button', { name: 'Bot commands' });
    expect(await menu.isHidden()).toBe(true);
    await bot('setMyCommands', {
      commands: [
        { command: 'start', description: 'Start over' },
        { command: 'help', description: 'What I can do' },
      ],
    });
    await menu.waitFor();
    await menu.click();
    await page.getByRole('button', { name: '/help — What I can do' }).click();

    await log().getByRole('listitem').filter({ hasText: '/help' }).waitFor();
    const update = await nextUpdate();
    expect(update.message).toMatchObject({ text: '/help', from: { id: BOB } });
  });

  it('renders parse_mode HTML as formatting and keeps markup-looking text as text', async () => {
    await bot('sendMessage', {
      chat_id: BOB,
      parse_mode: 'HTML',
      text: '<b>Bold</b> and <a href="https://example.org/">a link</a> &lt;img src=x onerror=alert(1)&gt;',
    });
    const message = log().getByRole('listitem').filter({ hasText: 'Bold and a link' });
    await message.waitFor();
    expect(await message.locator('strong').textContent()).toBe('Bold');
    expect(await message.getByRole('link', { name: 'a link' }).getAttribute('href')).toBe(
      'https://example.org/',
    );
    expect(await message.textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(await log().locator('img').count()).toBe(0);
  });

  it('shows the typing action, toasts and alerts for button answers, and removes deleted messages', async () => {
    await bot('sendChatAction', { chat_id: BOB, action: 'typing' });
    await page.getByText('Sandbox Bot is typing…').waitFor();
    const sent = await bot('sendMessage', {
      chat_id: BOB,
      text: 'Pick one',
      reply_markup: {
        inline_keyboard: [
          [
            { text: 'Toast', callback_data: 't' },
            { text: 'Alert', callback_data: 'a' },
          ],
        ],
      },
    });
    const message = log().locator(`[data-message-id="${sent.message_id}"]`);

    await message.getByRole('button', { name: 'Toast' }).click();
    const toast = await nextUpdate();
    expect(toast.callback_query).toMatchObject({ data: 't', from: { id: BOB } });
    await bot('answerCallbackQuery', {
      callback_query_id: toast.callback_query!.id,
      text: 'Done!',
    });
    await page.getByRole('status').filter({ hasText: 'Done!' }).waitFor();

    await message.getByRole('button', { name: 'Alert' }).click();
    const alert = await nextUpdate();
    await bot('answerCallbackQuery', {
      callback_query_id: alert.callback_query!.id,
      text: 'Are you sure?',
      show_alert: true,
    });
    const dialog = page.getByRole('dialog', { name: 'Are you sure?' });
    await dialog.waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'sandbox-page-alert.png') });
    await dialog.getByRole('button', { name: 'OK' }).click();

    await bot('deleteMessage', { chat_id: BOB, message_id: sent.message_id });
    await message.waitFor({ state: 'detached' });
  });
});
