/**
 * Reads a secret typed or piped into airlock: from a terminal without echo (raw mode,
 * backspace and Ctrl-U honoured, Ctrl-C cancels), or all of a pipe. Bytes only; every
 * buffer is wiped.
 *
 * Requires nothing beyond stdin/stderr access.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { ByteBuffer, MAX_SECRET_BYTES } from "./byte_buffer.ts";
import type { SecretBytes } from "./secret_bytes.ts";

const CR = 0x0d;
const LF = 0x0a;
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_U = 0x15;
const BACKSPACE = 0x08;
const DELETE = 0x7f;

/**
 * Reads the secret from stdin: prompted without echo on a terminal, else the whole input
 * minus one trailing newline.
 *
 * @param prompt The prompt written to stderr on a terminal, e.g. `Secret for "openai": `.
 * @returns The secret (possibly empty; the caller decides). The caller wipes it.
 * @throws {UsageError} When the prompt is cancelled with Ctrl-C, or the input exceeds 1 MiB.
 * @example
 * ```ts ignore
 * import { readSecretInput } from "./secret_input.ts";
 * using secret = await readSecretInput('Secret for "openai": ');
 * ```
 */
export async function readSecretInput(prompt: string): Promise<SecretBytes> {
  return Deno.stdin.isTerminal() ? await promptWithoutEcho(prompt) : await readPipe();
}

async function readPipe(): Promise<SecretBytes> {
  using buffer = new ByteBuffer();
  const chunk = new Uint8Array(4096);
  try {
    for (;;) {
      const n = await Deno.stdin.read(chunk);
      if (n === null) break;
      buffer.push(chunk.subarray(0, n));
      if (buffer.length > MAX_SECRET_BYTES) throw tooLarge();
    }
  } finally {
    chunk.fill(0);
  }
  return buffer.take({ trimNewline: true });
}

async function promptWithoutEcho(prompt: string): Promise<SecretBytes> {
  const encoder = new TextEncoder();
  using buffer = new ByteBuffer();
  const chunk = new Uint8Array(256);
  Deno.stdin.setRaw(true); // echo off before the prompt shows, so nothing typed is echoed
  try {
    await Deno.stderr.write(encoder.encode(prompt));
    for (;;) {
      const n = await Deno.stdin.read(chunk);
      if (n === null) break;
      if (consume(chunk.subarray(0, n), buffer)) break;
      if (buffer.length > MAX_SECRET_BYTES) throw tooLarge();
    }
  } finally {
    chunk.fill(0);
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(encoder.encode("\n"));
  }
  return buffer.take();
}

/** Applies typed bytes to the buffer; returns true at Enter or Ctrl-D. */
function consume(bytes: Uint8Array, buffer: ByteBuffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === CR || byte === LF || byte === CTRL_D) return true;
    if (byte === CTRL_C) {
      throw new UsageError("Cannot read the secret: the prompt was cancelled", {
        hint: "Run the command again, or pipe the value on stdin",
      });
    }
    if (byte === BACKSPACE || byte === DELETE) buffer.popCharacter();
    else if (byte === CTRL_U) buffer.wipe();
    else buffer.push(bytes.subarray(i, i + 1));
  }
  return false;
}

function tooLarge(): UsageError {
  return new UsageError("Cannot read the secret: it is larger than 1 MiB", {
    hint: "Give only the secret value",
  });
}
