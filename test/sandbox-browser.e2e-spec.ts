import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startSandboxProcess, type SandboxProcess } from './support/sandbox-process';

/**
 * The sandbox page in Debian's Chromium (never a downloaded browser), driven like a user would:
 * the real service behind it, the emulator in between. Screenshots go to test-results/.
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', 'test-results');
const present = existsSync(CHROMIUM);
if (!present && !process.env.CI) {
  process.stderr.write(
    `sandbox browser spec skipped: ${CHROMIUM} is missing (apt-get install -y chromium); CI always runs it\n`,
  );
}
const describeBrowser = present || process.env.CI ? describe : describe.skip;

describeBrowser('sandbox page in Chromium', () => {
  let sandbox: SandboxProcess;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sandbox = await startSandboxProcess();
    profileDir = mkdtempSync(join(tmpdir(), 'tgbot-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(sandbox.url);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await sandbox?.stop();
  });

  const log = () => page.getByRole('log');
  const say = async (text: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `sandbox-${name}.png`) });

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
