import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (apt-get install -y chromium); browser specs never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where browser specs write their screenshots. */
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-results');

/**
 * `describe` for browser specs: skipped, with a message saying why, only when Chromium is missing
 * outside CI; in CI a missing browser fails the spec.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM) || process.env.CI) return describe(name, body);
  process.stderr.write(
    `${name}: skipped, ${CHROMIUM} is missing (apt-get install -y chromium); CI always runs it\n`,
  );
  describe.skip(name, body);
}

/** A headless Chromium with a fresh profile; `close` also removes the profile. */
export async function launchChromium(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const profileDir = mkdtempSync(join(tmpdir(), 'tgbot-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
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
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
