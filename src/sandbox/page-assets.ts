import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

/** The page's files, read from disk on each request so edits show on reload. */
const PAGE_DIR = join(__dirname, 'page');
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/sandbox/page/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/sandbox/page/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** Serves the chat page; false for any other path. */
export async function servePage(path: string, res: ServerResponse): Promise<boolean> {
  const asset = ASSETS[path];
  if (!asset) return false;
  const body = await readFile(join(PAGE_DIR, asset.file));
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Only our own script and style; bot links open in a new tab and never run in the page.
    'content-security-policy':
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  });
  res.end(body);
  return true;
}
