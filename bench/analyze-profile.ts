import { readFileSync } from 'node:fs';

/**
 * Summarises a .cpuprofile (from --cpu-prof): self time by function and by package, and total
 * (inclusive) time of the functions under src/. Usage:
 *   npx ts-node --transpile-only bench/analyze-profile.ts bench/results/profiles/burst-ours.cpuprofile [top]
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: analyze-profile.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n: Node) =>
    `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

  const selfByFn = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    selfByFn.set(label(node), (selfByFn.get(label(node)) ?? 0) + us);
    byPackage.set(
      pkg(node.callFrame.url, node.callFrame.functionName),
      (byPackage.get(pkg(node.callFrame.url, node.callFrame.functionName)) ?? 0) + us,
    );
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!n.callFrame.url.startsWith('file://') && !n.callFrame.url.startsWith('/')) continue;
      if (/node_modules/.test(n.callFrame.url)) continue;
      const key = label(n);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const print = (title: string, map: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
      process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
  };
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
  print('self time by package', byPackage);
  print('self time by function', selfByFn);
  print('inclusive time of our code (dist/ or src/)', inclusive);
}

function short(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '~/')
    .replace(/^.*\/(dist|src)\//, '$1/');
}

function pkg(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (!url.startsWith('node:')) return 'our code';
  if (url.startsWith('node:')) return 'node core';
  return short(url);
}

main();
