import type { Envelope } from './serializeDatum.js';

/** Room for a body at first; it doubles as needed (a full request is at most 1 MB). */
const INITIAL_CAPACITY = 64 * 1024;

/**
 * Writes one request body, datum by datum, straight into a growing buffer, remembering where each datum starts.
 * Large datums (wide histograms) are written as soon as they are measured: their JSON dies young instead of
 * waiting in the heap, a megabyte per open request, for the request to close and be joined and copied again.
 */
export class BodyWriter {
  private buffer: Buffer;
  private at: number;
  private readonly tail: string;
  /** Where each datum's JSON starts in the body. */
  readonly starts: number[] = [];

  constructor({ head, tail }: Envelope) {
    this.tail = tail;
    this.buffer = Buffer.allocUnsafeSlow(INITIAL_CAPACITY);
    this.at = 0;
    this.write(head, Buffer.byteLength(head));
  }

  /** Appends a datum's JSON, whose UTF-8 size the caller has measured. */
  add(json: string, bytes: number): void {
    if (this.starts.length > 0) this.write(',', 1);
    this.starts.push(this.at);
    this.write(json, bytes);
  }

  /** The finished body. The writer must not be used afterwards. */
  finish(): Buffer {
    this.write(this.tail, Buffer.byteLength(this.tail));
    return this.buffer.subarray(0, this.at);
  }

  private write(text: string, bytes: number): void {
    if (this.at + bytes > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.at + bytes));
      this.buffer.copy(grown, 0, 0, this.at);
      this.buffer = grown;
    }
    // An ASCII text (nearly always: see bodyBytes) is copied as it is rather than encoded.
    this.at += this.buffer.write(text, this.at, bytes === text.length ? 'latin1' : 'utf8');
  }
}
