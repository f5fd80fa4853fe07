import type { FlushUnit } from './batch.buffer';

/** Rows in a unit (messages plus user rows). */
export function unitSize(unit: FlushUnit): number {
  return unit.messages.length + unit.users.length;
}

/**
 * Splits a unit the database refused into smaller units to find the bad row by bisection.
 * A user's messages stay with its entry while possible, so its count still commits with them;
 * a unit of one user is split into single rows.
 */
export function splitUnit(unit: FlushUnit): FlushUnit[] {
  const groups: FlushUnit[] = [];
  const byUser = new Map<number, FlushUnit>();
  const groupOf = (id: number): FlushUnit => {
    let group = byUser.get(id);
    if (!group) {
      group = { messages: [], users: [] };
      byUser.set(id, group);
      groups.push(group);
    }
    return group;
  };
  for (const m of unit.messages) {
    if (m.row.userId === null) groups.push({ messages: [m], users: [] });
    else groupOf(m.row.userId).messages.push(m);
  }
  for (const u of unit.users) groupOf(u.id).users.push(u);

  if (groups.length === 1) {
    return [
      ...unit.messages.map((m) => ({ messages: [m], users: [] })),
      ...unit.users.map((u) => ({ messages: [], users: [u] })),
    ];
  }
  const half = Math.ceil(groups.length / 2);
  return [concat(groups.slice(0, half)), concat(groups.slice(half))];
}

function concat(groups: FlushUnit[]): FlushUnit {
  return {
    messages: groups.flatMap((g) => g.messages),
    users: groups.flatMap((g) => g.users),
  };
}

/** True for errors caused by a row's content (bad value, constraint, too large), not by the database. */
export function isContentError(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const driverError = e?.driverError;
  const code = e?.code ?? driverError?.code;
  // 21 cardinality, 22 data exception, 23 integrity constraint, 54 program limit (row too big).
  if (typeof code === 'string' && /^(21|22|23|54)/.test(code)) return true;
  // A driver that serialises parameters itself (PGlite) throws RangeError on e.g. an invalid Date.
  return error instanceof RangeError || driverError instanceof RangeError;
}
