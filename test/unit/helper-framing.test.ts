import { describe, expect, test } from 'vitest';
import { LineFramer } from '../../helper/framing';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('LineFramer', () => {
  test('joins a line split across chunks', () => {
    const framer = new LineFramer(100);
    expect(framer.push(bytes('{"id":1,'))).toEqual({ lines: [], overflow: false });
    expect(framer.push(bytes('"op":'))).toEqual({ lines: [], overflow: false });
    expect(framer.push(bytes('"hello"}\n'))).toEqual({ lines: ['{"id":1,"op":"hello"}'], overflow: false });
  });

  test('returns every line of a chunk and keeps the partial tail', () => {
    const framer = new LineFramer(100);
    expect(framer.push(bytes('a\nbb\ncc'))).toEqual({ lines: ['a', 'bb'], overflow: false });
    expect(framer.push(bytes('c\n'))).toEqual({ lines: ['ccc'], overflow: false });
  });

  test('strips a CR before LF, also when the CR ends the previous chunk', () => {
    const framer = new LineFramer(100);
    expect(framer.push(bytes('one\r\ntwo\r'))).toEqual({ lines: ['one'], overflow: false });
    expect(framer.push(bytes('\n'))).toEqual({ lines: ['two'], overflow: false });
  });

  test('keeps a CR that is not at the end of the line', () => {
    expect(new LineFramer(100).push(bytes('a\rb\n')).lines).toEqual(['a\rb']);
  });

  test('skips blank and whitespace-only lines but not other characters', () => {
    const framer = new LineFramer(100);
    expect(framer.push(bytes('\n\r\n \t \nx\n\u00a0\n')).lines).toEqual(['x', '\u00a0']);
  });

  test('decodes a multi-byte character split across chunks', () => {
    const framer = new LineFramer(100);
    const euro = bytes('€\n');
    expect(framer.push(euro.subarray(0, 1)).lines).toEqual([]);
    expect(framer.push(euro.subarray(1)).lines).toEqual(['€']);
  });

  test('accepts a line of exactly the limit, split or whole', () => {
    const framer = new LineFramer(8);
    expect(framer.push(bytes('12345678\n')).lines).toEqual(['12345678']);
    expect(framer.push(bytes('1234'))).toEqual({ lines: [], overflow: false });
    expect(framer.push(bytes('5678\n'))).toEqual({ lines: ['12345678'], overflow: false });
  });

  test('flags a complete line over the limit and keeps the lines before it', () => {
    const framer = new LineFramer(8);
    expect(framer.push(bytes('ok\n123456789\nlater\n'))).toEqual({ lines: ['ok'], overflow: true });
  });

  test('counts a trailing CR against the limit', () => {
    expect(new LineFramer(8).push(bytes('12345678\r\n')).overflow).toBe(true);
  });

  test('flags an unterminated line as soon as it passes the limit, across chunks', () => {
    const framer = new LineFramer(8);
    expect(framer.push(bytes('12345')).overflow).toBe(false);
    expect(framer.push(bytes('6789')).overflow).toBe(true);
  });

  test('stays overflowed: nothing after the overflow is framed', () => {
    const framer = new LineFramer(4);
    expect(framer.push(bytes('123456')).overflow).toBe(true);
    expect(framer.push(bytes('\nok\n'))).toEqual({ lines: [], overflow: true });
  });

  test('frames a large batch of lines delivered in arbitrary chunk sizes', () => {
    const text = Array.from({ length: 500 }, (_, i) => `{"id":${i}}`).join('\r\n') + '\n';
    const all = bytes(text);
    const framer = new LineFramer(64);
    const lines: string[] = [];
    for (let at = 0, size = 1; at < all.length; at += size, size = (size % 13) + 1) {
      const out = framer.push(all.subarray(at, at + size));
      expect(out.overflow).toBe(false);
      lines.push(...out.lines);
    }
    expect(lines).toEqual(Array.from({ length: 500 }, (_, i) => `{"id":${i}}`));
  });
});
