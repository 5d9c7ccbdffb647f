/** Helpers for streaming a child's output to the server: line splitting, redaction and a byte budget. */

/** Replaces every occurrence of the given secrets with "***". Empty secrets are ignored. */
export function createRedactor(secrets: (string | undefined)[]): (text: string) => string {
  const list = [...new Set(secrets.filter((s): s is string => !!s && s.length >= 4))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => list.reduce((acc, secret) => acc.split(secret).join("***"), text);
}

/** Splits a byte stream into lines (keeping the newline); very long lines are cut so memory stays bounded. */
export class LineSplitter {
  private pending = "";
  private readonly decoder = new TextDecoder("utf-8");

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = this.pending.indexOf("\n")) >= 0) {
      this.onLine(this.pending.slice(0, newline + 1));
      this.pending = this.pending.slice(newline + 1);
    }
    while (this.pending.length > this.maxLineChars) {
      this.onLine(this.pending.slice(0, this.maxLineChars));
      this.pending = this.pending.slice(this.maxLineChars);
    }
  }

  end(): void {
    this.pending += this.decoder.decode();
    if (this.pending) this.onLine(this.pending);
    this.pending = "";
  }
}

/**
 * Caps what is streamed for a whole job (limits.maxOutputBytes). Past the cap one notice is sent and
 * the rest is dropped from the stream; the caller still keeps a tail for test-summary parsing.
 */
export class OutputBudget {
  private used = 0;
  private noticeSent = false;

  constructor(
    private readonly maxBytes: number,
    private readonly emit: (stream: "stdout" | "stderr" | "log", data: string) => void,
  ) {}

  write(stream: "stdout" | "stderr" | "log", data: string): void {
    if (this.noticeSent) return;
    const bytes = Buffer.byteLength(data);
    if (this.used + bytes <= this.maxBytes) {
      this.used += bytes;
      this.emit(stream, data);
      return;
    }
    this.noticeSent = true;
    this.emit("log", `[output truncated: the job's output limit of ${this.maxBytes} bytes was reached; later output is not streamed]\n`);
  }

  get truncated(): boolean {
    return this.noticeSent;
  }
}

/** Keeps the last `maxChars` characters written to it. */
export class TailBuffer {
  private text = "";

  constructor(private readonly maxChars = 256 * 1024) {}

  append(data: string): void {
    this.text += data;
    if (this.text.length > this.maxChars * 2) this.text = this.text.slice(-this.maxChars);
  }

  toString(): string {
    return this.text.slice(-this.maxChars);
  }
}
