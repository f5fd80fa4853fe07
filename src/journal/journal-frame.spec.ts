import { frameRecord, scanRecords } from './journal-frame';

const json = (line: string): unknown => JSON.parse(line);
const frame = (value: unknown) => frameRecord(JSON.stringify(value));

describe('journal framing', () => {
  it('reads back every record, also texts outside ASCII and with escapes', () => {
    const values = ['plain', 'привет 👋', 'tab\tquote" backslash\\', { nested: [1, 2] }];
    expect(scanRecords(values.map(frame).join(''), json)).toEqual({
      records: values,
      damaged: 0,
      tornTail: false,
    });
  });

  it('keeps the records before a torn last one and reports it as torn', () => {
    const text = frame('a') + frame('b') + frame('c').slice(0, 7);
    expect(scanRecords(text, json)).toEqual({ records: ['a', 'b'], damaged: 1, tornTail: true });
  });

  it('keeps a record fused onto the torn bytes of the one before it', () => {
    const text = frame('a') + frame('torn').slice(0, 5) + frame('b') + frame('c');
    expect(scanRecords(text, json)).toEqual({
      records: ['a', 'b', 'c'],
      damaged: 1,
      tornTail: false,
    });
  });

  it('skips a record whose bytes changed, keeping those around it', () => {
    const text = frame('a') + frame('bbbb').replace('bbbb', 'bxbb') + frame('c');
    expect(scanRecords(text, json)).toEqual({ records: ['a', 'c'], damaged: 1, tornTail: false });
  });

  it('counts a whole but unreadable last line as damage, not as a torn write', () => {
    const text = frame('a') + frame('b').replace('"b"', '"x"');
    expect(scanRecords(text, json)).toMatchObject({ records: ['a'], damaged: 1, tornTail: false });
  });
});
