import { crc32 } from 'node:zlib';

/**
 * Starts every framed record. JSON, what the journals' codecs write, never holds a raw control
 * character, so a separator found in a line always starts a record (also one fused onto torn bytes).
 */
const RS = '\x1e';
const HEADER = /^(\d+) ([0-9a-f]{1,8}) /;

/**
 * One record as one line: `RS <length> <crc32> <payload>\n`, the length in UTF-16 code units (free
 * to read) and the CRC-32 (hex) of the payload's UTF-8 bytes. A record cut short or overwritten
 * fails one of the two; the separator lets the reader find the next intact record after it.
 */
export function frameRecord(payload: string): string {
  return `${RS}${payload.length} ${crc32(payload).toString(16)} ${payload}\n`;
}

/** What one journal file held. */
export interface JournalScan<T> {
  /** Every intact record, in order. */
  records: T[];
  /** Unreadable records, the torn last one included. */
  damaged: number;
  /** The file ends in a record cut short (a crash mid-write: its write never returned). */
  tornTail: boolean;
}

/** Reads one journal file; `decode` throws on a payload it cannot read. */
export function scanRecords<T>(text: string, decode: (payload: string) => T): JournalScan<T> {
  const scan: JournalScan<T> = { records: [], damaged: 0, tornTail: false };
  const lines = text.split('\n');
  // '' when the file ends with a newline; otherwise the last write was cut short.
  const tail = lines.length - 1;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]) continue;
    const pieces = lines[i].split(RS);
    // Bytes before a line's first separator are the torn remains of an earlier record.
    if (pieces[0] !== '') scan.damaged++;
    for (let p = 1; p < pieces.length; p++) {
      const record = readPiece(pieces[p], decode);
      if (record !== undefined) scan.records.push(record);
      else {
        scan.damaged++;
        if (i === tail && p === pieces.length - 1) scan.tornTail = true;
      }
    }
  }
  return scan;
}

function readPiece<T>(piece: string, decode: (payload: string) => T): T | undefined {
  const payload = unframe(piece);
  if (payload === undefined) return undefined;
  try {
    return decode(payload);
  } catch {
    return undefined;
  }
}

function unframe(piece: string): string | undefined {
  const header = HEADER.exec(piece);
  if (!header) return undefined;
  const payload = piece.slice(header[0].length);
  const intact = payload.length === Number(header[1]) && crc32(payload) === parseInt(header[2], 16);
  return intact ? payload : undefined;
}
