import { beforeAll, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, generateEncryptionKey, hashToken, safeEqual } from "./crypto";
import { setEnvDefaults } from "./env";

beforeAll(() => setEnvDefaults({ APP_ENCRYPTION_KEY: generateEncryptionKey() }));

describe("crypto", () => {
  it("round-trips a secret and never returns the plaintext in the sealed form", () => {
    const sealed = encryptSecret("xoxb-very-secret");
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("very-secret");
    expect(decryptSecret(sealed)).toBe("xoxb-very-secret");
  });

  it("uses a fresh IV each time", () => {
    expect(encryptSecret("same")).not.toBe(encryptSecret("same"));
  });

  it("rejects a tampered ciphertext", () => {
    const sealed = encryptSecret("token");
    const parts = sealed.split(".");
    const data = Buffer.from(parts[3]!, "base64url");
    data[0] = data[0]! ^ 1;
    parts[3] = data.toString("base64url");
    expect(() => decryptSecret(parts.join("."))).toThrow();
  });

  it("binds a secret to its owner through associated data", () => {
    const sealed = encryptSecret("token", "workspace-a");
    expect(decryptSecret(sealed, "workspace-a")).toBe("token");
    expect(() => decryptSecret(sealed, "workspace-b")).toThrow();
  });

  it("rejects an unknown format", () => {
    expect(() => decryptSecret("plain-text")).toThrow(/format/);
  });

  it("hashes tokens deterministically and compares in constant time", () => {
    expect(hashToken("abc")).toBe(hashToken("abc"));
    expect(hashToken("abc")).toHaveLength(64);
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});
