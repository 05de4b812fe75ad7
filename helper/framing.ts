/**
 * Newline-delimited framing of the helper protocol: turns the chunks a socket delivers into
 * whole lines, and notices a line that grows past the size limit without buffering it.
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** A line made only of JSON whitespace carries no request and gets no answer. */
const BLANK_LINE = /^[ \t\r]*$/;

/** What one chunk completed. */
export interface FramedChunk {
  /** Complete, non-blank lines, without their `\n` or `\r\n` terminator, decoded as UTF-8. */
  lines: string[];
  /**
   * True when a line exceeded the limit. Lines before it in the same chunk are still returned;
   * nothing after it is: framing is lost and the connection should be closed.
   */
  overflow: boolean;
}

/**
 * Splits a byte stream into lines of at most `maxLineBytes` bytes each (counting every byte
 * before the `\n`, a trailing `\r` included). Never buffers more than `maxLineBytes` bytes.
 * Splitting on the byte 0x0a is safe for UTF-8: it never occurs inside a multi-byte character.
 */
export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  /** Creates a framer for lines of at most `maxLineBytes` bytes. */
  constructor(private readonly maxLineBytes: number) {}

  /** Feeds one chunk; returns the lines it completed and whether the limit was crossed. */
  push(chunk: Buffer): FramedChunk {
    const lines: string[] = [];
    if (this.overflowed) return { lines, overflow: true };
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (this.pendingBytes + nl - start > this.maxLineBytes) return this.overflow(lines);
      const line = this.take(chunk.subarray(start, nl));
      if (!BLANK_LINE.test(line)) lines.push(line);
      start = nl + 1;
    }
    if (this.pendingBytes + chunk.length - start > this.maxLineBytes) return this.overflow(lines);
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
    }
    return { lines, overflow: false };
  }

  /** Joins the buffered bytes with the end of the current line and resets the buffer. */
  private take(tail: Buffer): string {
    const bytes = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    const end =
      bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    return bytes.toString('utf8', 0, end);
  }

  private overflow(lines: string[]): FramedChunk {
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    return { lines, overflow: true };
  }
}
