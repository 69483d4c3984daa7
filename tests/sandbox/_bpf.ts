/**
 * A classic-BPF interpreter for seccomp programs, enough to evaluate the filters airlock
 * builds against sample `seccomp_data` (unit tests only; the real kernel is tested too).
 *
 * @module
 */

import type { BpfInstruction } from "../../src/sandbox/seccomp.ts";

/** A syscall as the filter sees it. */
export interface SeccompData {
  /** Syscall number. */
  nr: number;
  /** AUDIT_ARCH_* value. */
  arch: number;
  /** Up to six arguments (low 32 bits are what the filters inspect). */
  args?: number[];
}

function word(data: SeccompData, offset: number): number {
  if (offset === 0) return data.nr >>> 0;
  if (offset === 4) return data.arch >>> 0;
  if (offset >= 16 && offset < 64) {
    const i = Math.floor((offset - 16) / 8);
    const arg = data.args?.[i] ?? 0;
    return (offset - 16) % 8 === 0 ? arg >>> 0 : Math.floor(arg / 2 ** 32) >>> 0;
  }
  throw new RangeError(`load outside seccomp_data: ${offset}`);
}

/**
 * Runs a program and returns its verdict.
 *
 * @param program The instructions.
 * @param data The syscall.
 * @returns The 32-bit return value (`SECCOMP_RET_*` | data).
 */
export function runBpf(program: BpfInstruction[], data: SeccompData): number {
  let a = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jt, jf, k } = program[pc]!;
    switch (code) {
      case 0x20: // ld w abs
        a = word(data, k);
        break;
      case 0x54: // alu and k
        a = (a & k) >>> 0;
        break;
      case 0x15: // jeq k
        pc += a === k ? jt : jf;
        break;
      case 0x35: // jge k
        pc += a >= k ? jt : jf;
        break;
      case 0x25: // jgt k
        pc += a > k ? jt : jf;
        break;
      case 0x05: // ja
        pc += k;
        break;
      case 0x06: // ret k
        return k >>> 0;
      default:
        throw new Error(`unknown BPF opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error("BPF program fell off the end");
}
