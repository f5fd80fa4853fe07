import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

const SOURCES = ['baselines', 'hooks'];
/**
 * Compiled baselines: plain JavaScript, so no compiler sits in the measured process's memory. Kept
 * under node_modules/.cache so imports resolve and linters skip it.
 */
export const BUILD_DIR = join(__dirname, '..', 'node_modules', '.cache', 'bot-bench');

const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  isolatedModules: true,
};

/** Transpiles bench/{baselines,hooks}/**.ts to BUILD_DIR (same layout, so imports resolve). */
export function buildBaselines(): void {
  for (const file of SOURCES.flatMap((dir) => walk(join(__dirname, dir)))) {
    const out = join(BUILD_DIR, relative(__dirname, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: OPTIONS,
      fileName: file,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
