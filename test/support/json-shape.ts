/**
 * The structure of a JSON value without its volatile figures: every leaf becomes its type name
 * ('number', 'string', 'boolean', 'null'), arrays become the shapes of their distinct elements.
 * Objects at the dotted `maps` paths have keys that depend on traffic (per-method counts, handle
 * types): each collapses to `{ '*': <shapes of its values> }`.
 */
export function jsonShape(value: unknown, maps: readonly string[] = [], path = ''): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return distinct(value.map((v) => jsonShape(v, maps, `${path}[]`)));
  if (typeof value !== 'object') return typeof value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (maps.includes(path)) {
    return { '*': distinct(entries.map(([k, v]) => jsonShape(v, maps, `${path}.${k}`))) };
  }
  return Object.fromEntries(
    entries
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, jsonShape(v, maps, path ? `${path}.${k}` : k)]),
  );
}

const distinct = (shapes: unknown[]) => [
  ...new Map(shapes.map((s) => [JSON.stringify(s), s])).values(),
];

/**
 * One line per metric family of a Prometheus exposition: name, type, HELP text and the label
 * names its samples carry (`le` of histogram buckets included). `labelsFor` limits the label
 * part to the families whose labels the caller controls.
 */
export function metricFamilies(text: string, labelsFor: (name: string) => boolean): string[] {
  const families = new Map<string, { type: string; help: string; labels: Set<string> }>();
  for (const [, name, help] of text.matchAll(/^# HELP (\S+) (.*)$/gm)) {
    families.set(name, { type: '?', help, labels: new Set() });
  }
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    families.get(name)!.type = type;
  }
  for (const [, sample, labels] of text.matchAll(/^([a-z_:][\w:]*)\{([^}]*)\}/gm)) {
    const family = families.get(sample) ?? families.get(sample.replace(/_(bucket|sum|count)$/, ''));
    for (const [, label] of labels.matchAll(/(\w+)="/g)) family?.labels.add(label);
  }
  return [...families.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, f]) =>
      labelsFor(name)
        ? `${name} ${f.type} {${[...f.labels].sort().join(',')}} ${f.help}`
        : `${name} ${f.type}`,
    );
}
