import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describeWithChromium, launchChromium, SCREENSHOTS } from './support/chromium';
import { startSandboxProcess, type SandboxProcess } from './support/sandbox-process';

/**
 * `npm run sandbox` in Debian's Chromium, driven like a user would: the real service behind the
 * page, the emulator in between. Screenshots go to test-results/.
 */
describeWithChromium('sandbox page in Chromium, with the service', () => {
  let sandbox: SandboxProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    sandbox = await startSandboxProcess();
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(sandbox.url);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  const log = () => page.getByRole('log');
  const say = async (text: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  };
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `sandbox-${name}.png`) });

  it('greets a user on /start and edits the menu in place when Profile is pressed', async () => {
    await say('/start');
    const welcome = log().getByRole('listitem').filter({ hasText: 'Welcome, Bob!' });
    await welcome.waitFor();
    const id = await welcome.getAttribute('data-message-id');
    await shot('1-start');

    await welcome.getByRole('button', { name: 'Profile' }).click();

    const edited = log()
      .locator(`[data-message-id="${id}"]`)
      .filter({ hasText: 'Profile of Bob (@bob_sandbox)' });
    await edited.waitFor();
    expect(await edited.textContent()).toContain('edited');
    expect(await edited.getByRole('button').count()).toBe(0);
    expect(await log().getByText('Welcome, Bob!').count()).toBe(0);
    await shot('2-profile');
  }, 60_000);

  it('tells a user to slow down past 10 messages a minute, and the panel counts it', async () => {
    for (let i = 1; i <= 11; i++) await say(`note ${i}`);

    await log()
      .getByText(/^Slow down: try again in \d+ s$/)
      .waitFor({ timeout: 45_000 });
    expect(await page.getByRole('term').nth(1).textContent()).toBe('Rate-limited messages');
    await page
      .getByRole('definition')
      .nth(1)
      .filter({ hasText: /^[1-9]\d*$/ })
      .waitFor({ timeout: 10_000 });
    await shot('3-slow-down');
  }, 90_000);

  it('switches to the admin, who gets /stats', async () => {
    await page.getByRole('combobox', { name: 'User' }).selectOption({ label: 'Alice (admin)' });
    await page.getByRole('heading', { name: 'Private chat with Sandbox Bot' }).waitFor();
    await say('/stats');

    const stats = log()
      .getByRole('listitem')
      .filter({ hasText: /Users: \d+/ });
    await stats.filter({ hasText: /Rate limited: [1-9]/ }).waitFor();
    await shot('4-admin-stats');
  }, 60_000);
});
