import { open, type FileHandle } from "node:fs/promises";

/**
 * Just enough of the GGUF format (v2/v3) to read a model's metadata without loading it. We parse
 * it ourselves instead of importing node-llama-cpp so listing models stays cheap in the main process
 * (the library import alone takes ~0.6 s).
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const ggufValueType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** Byte sizes of the fixed-width value types, indexed by type id. */
const fixedSizes: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** llama.cpp's `llama_ftype` (general.file_type) to the quantization name people search for. */
const fileTypeNames: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
  38: "MXFP4_MOE",
};

export function fileTypeName(fileType: number): string {
  return fileTypeNames[fileType] ?? `ftype-${fileType}`;
}

export type GgufScalar = number | bigint | boolean | string;
/** Arrays are summarised (type and length) rather than read: tokenizer vocabularies are huge. */
export type GgufArraySummary = { arrayOf: number; length: number };
export type GgufHeader = {
  version: number;
  tensorCount: number;
  metadata: Map<string, GgufScalar | GgufArraySummary>;
};

export class GgufFormatError extends Error {}

/** Sequential reader over a file handle with a sliding buffer, so skipping a 150k-token vocabulary is cheap. */
class FileReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly fileSize: number,
  ) {}

  private async ensure(bytes: number): Promise<void> {
    const end = this.position + bytes;
    if (end > this.fileSize) throw new GgufFormatError("unexpected end of file in GGUF header");
    if (this.position >= this.bufferStart && end <= this.bufferStart + this.buffer.length) return;
    const size = Math.max(bytes, 1 << 20);
    const chunk = Buffer.alloc(Math.min(size, this.fileSize - this.position));
    const { bytesRead } = await this.file.read(chunk, 0, chunk.length, this.position);
    this.buffer = chunk.subarray(0, bytesRead);
    this.bufferStart = this.position;
    if (bytesRead < bytes) throw new GgufFormatError("unexpected end of file in GGUF header");
  }

  private async view(bytes: number): Promise<Buffer> {
    await this.ensure(bytes);
    const offset = this.position - this.bufferStart;
    this.position += bytes;
    return this.buffer.subarray(offset, offset + bytes);
  }

  async u32(): Promise<number> {
    return (await this.view(4)).readUInt32LE(0);
  }

  async u64(): Promise<number> {
    const value = (await this.view(8)).readBigUInt64LE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError("GGUF length field out of range");
    return Number(value);
  }

  async string(): Promise<string> {
    const length = await this.u64();
    if (length > 64 * 1024 * 1024) throw new GgufFormatError("GGUF string too long");
    return (await this.view(length)).toString("utf8");
  }

  async scalar(type: number): Promise<GgufScalar> {
    if (type === ggufValueType.string) return this.string();
    const size = fixedSizes[type];
    if (size === undefined) throw new GgufFormatError(`unknown GGUF value type ${type}`);
    const b = await this.view(size);
    switch (type) {
      case ggufValueType.uint8:
        return b.readUInt8(0);
      case ggufValueType.int8:
        return b.readInt8(0);
      case ggufValueType.uint16:
        return b.readUInt16LE(0);
      case ggufValueType.int16:
        return b.readInt16LE(0);
      case ggufValueType.uint32:
        return b.readUInt32LE(0);
      case ggufValueType.int32:
        return b.readInt32LE(0);
      case ggufValueType.float32:
        return b.readFloatLE(0);
      case ggufValueType.bool:
        return b.readUInt8(0) !== 0;
      case ggufValueType.uint64:
        return b.readBigUInt64LE(0);
      case ggufValueType.int64:
        return b.readBigInt64LE(0);
      default:
        return b.readDoubleLE(0);
    }
  }

  async skipArray(type: number, length: number): Promise<void> {
    const size = fixedSizes[type];
    if (size !== undefined) {
      this.position += size * length;
      if (this.position > this.fileSize) throw new GgufFormatError("unexpected end of file in GGUF header");
      return;
    }
    if (type !== ggufValueType.string) throw new GgufFormatError(`unsupported GGUF array element type ${type}`);
    for (let i = 0; i < length; i++) {
      const bytes = await this.u64(); // read before adding: `position += await` would use the stale position
      this.position += bytes;
    }
  }
}

/**
 * Cheap truncation check for interrupted copies: every tensor must start inside the file. (Exact
 * sizes would need ggml's block sizes per quantization type; a cut-off file fails this anyway.)
 */
async function checkTensorData(reader: FileReader, tensorCount: number, metadata: GgufHeader["metadata"], fileSize: number): Promise<void> {
  let lastOffset = 0;
  for (let i = 0; i < tensorCount; i++) {
    await reader.string();
    const dims = await reader.u32();
    if (dims > 8) throw new GgufFormatError("GGUF tensor has too many dimensions");
    for (let d = 0; d < dims; d++) await reader.u64();
    await reader.u32(); // ggml type
    lastOffset = Math.max(lastOffset, await reader.u64());
  }
  const alignment = metadata.get("general.alignment");
  const align = typeof alignment === "number" && alignment > 0 ? alignment : GGUF_DEFAULT_ALIGNMENT;
  const dataStart = Math.ceil(reader.position / align) * align;
  if (tensorCount > 0 && dataStart + lastOffset >= fileSize)
    throw new GgufFormatError("file is truncated: tensor data extends past the end");
}

/** Reads the header and metadata of a GGUF file (no tensor data). Throws GgufFormatError on a non-GGUF file. */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const reader = new FileReader(file, size);
    if ((await reader.u32()) !== GGUF_MAGIC) throw new GgufFormatError("not a GGUF file (bad magic)");
    const version = await reader.u32();
    if (version < 2 || version > 3) throw new GgufFormatError(`unsupported GGUF version ${version}`);
    const tensorCount = await reader.u64();
    const kvCount = await reader.u64();
    const metadata = new Map<string, GgufScalar | GgufArraySummary>();
    for (let i = 0; i < kvCount; i++) {
      const key = await reader.string();
      const type = await reader.u32();
      if (type === ggufValueType.array) {
        const arrayOf = await reader.u32();
        const length = await reader.u64();
        await reader.skipArray(arrayOf, length);
        metadata.set(key, { arrayOf, length });
      } else {
        metadata.set(key, await reader.scalar(type));
      }
    }
    await checkTensorData(reader, tensorCount, metadata, size);
    return { version, tensorCount, metadata };
  } finally {
    await file.close();
  }
}

/** The bits of a header the runner reports: quantization and the trained context length. */
export function summarizeGgufHeader(header: GgufHeader): {
  architecture: string | null;
  quantization: string | null;
  contextLength: number | null;
} {
  const architecture = header.metadata.get("general.architecture");
  const arch = typeof architecture === "string" ? architecture : null;
  const fileType = header.metadata.get("general.file_type");
  const context = arch ? header.metadata.get(`${arch}.context_length`) : undefined;
  const contextLength = typeof context === "number" ? context : typeof context === "bigint" ? Number(context) : null;
  return {
    architecture: arch,
    quantization: typeof fileType === "number" ? fileTypeName(fileType) : null,
    contextLength: contextLength && contextLength > 0 ? contextLength : null,
  };
}
