/**
 * The seccomp filter: a classic BPF program built in TypeScript and installed with
 * `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)`.
 *
 * Always: kill on a foreign architecture (and x32 syscalls on x86_64); `EPERM` for
 * io_uring (its operations bypass seccomp), the kernel keyring syscalls, the
 * terminal-injection ioctls `TIOCSTI`/`TIOCLINUX`, new user namespaces (`clone` and
 * `unshare` with `CLONE_NEWUSER`: the usual kernel privilege-escalation surface) and
 * `setns`; `ENOSYS` for `clone3`, whose flags live in memory the filter cannot read, so
 * libc falls back to `clone`. When sockets are restricted (network mode other than
 * `open`): `socket()` may create only TCP sockets (AF_INET/AF_INET6, SOCK_STREAM,
 * protocol 0 or IPPROTO_TCP, which Landlock then limits by port), `NETLINK_ROUTE`
 * sockets, and AF_UNIX sockets when allowed; everything else (UDP, raw, packet, SCTP,
 * MPTCP, other netlink protocols such as nf_tables' NETLINK_NETFILTER, other families)
 * gets `EPERM`. `socketpair()` may make only AF_UNIX stream pairs unless AF_UNIX sockets
 * are allowed: a datagram pair can `sendto()` any pathname datagram socket (`/dev/log`,
 * journald) and a read-only mount does not stop it. Sends with `MSG_FASTOPEN` get
 * `EPERM` too: TCP Fast Open connects inside `sendto`/`sendmsg` without the `connect()`
 * hook, and Landlock (ABI ≤ 7, Linux 6.18) does not see it — a confined process reached
 * an ungranted port that way.
 *
 * @module
 */

import {
  AF,
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  BPF,
  CLONE_NEWUSER,
  ERRNO,
  IPPROTO_TCP,
  MSG_FASTOPEN,
  NAMESPACE_SYSCALLS,
  NETLINK_ROUTE,
  PR_SET_SECCOMP,
  SECCOMP_DATA,
  SECCOMP_MODE_FILTER,
  SECCOMP_RET,
  SOCK,
  SYS_IO_URING_ENTER,
  SYS_IO_URING_REGISTER,
  SYS_IO_URING_SETUP,
  SYSCALLS_AARCH64,
  SYSCALLS_X86_64,
  TIOCLINUX,
  TIOCSTI,
  X32_SYSCALL_BIT,
} from "../../ffi/libc.ts";
import { addressOf, sys } from "./syscalls.ts";

/** What the filter restricts. */
export interface SeccompOptions {
  /** The architecture the filter admits. */
  arch: "x86_64" | "aarch64";
  /** Restrict `socket()` to TCP, netlink and (if allowed) AF_UNIX. */
  restrictSockets: boolean;
  /** Allow new AF_UNIX sockets (only meaningful with `restrictSockets`). */
  allowUnixSockets: boolean;
  /**
   * Deny `listen()`: `listen` on an unbound TCP socket binds an ephemeral port without the
   * `bind()` hook Landlock checks. Set it when nothing may listen (no bind grants, no
   * AF_UNIX sockets).
   * @default false
   */
  denyListen?: boolean;
}

/** One classic BPF instruction (`struct sock_filter`). */
export interface BpfInstruction {
  /** Opcode. */
  code: number;
  /** Jump offset when true. */
  jt: number;
  /** Jump offset when false. */
  jf: number;
  /** Constant operand. */
  k: number;
}

type Target = string | 0;
interface Pending {
  code: number;
  k: number;
  jt: Target;
  jf: Target;
}

/** A tiny assembler: jumps name labels and are resolved to relative offsets. */
class Assembler {
  #code: Pending[] = [];
  #labels = new Map<string, number>();

  label(name: string): this {
    this.#labels.set(name, this.#code.length);
    return this;
  }
  load(offset: number): this {
    return this.#emit(BPF.LD | BPF.W | BPF.ABS, offset);
  }
  and(k: number): this {
    return this.#emit(BPF.ALU | BPF.AND | BPF.K, k);
  }
  /** Jump to `jt` when A == k, else to `jf` (0: the next instruction). */
  jeq(k: number, jt: Target, jf: Target = 0): this {
    return this.#emit(BPF.JMP | BPF.JEQ | BPF.K, k, jt, jf);
  }
  jge(k: number, jt: Target, jf: Target = 0): this {
    return this.#emit(BPF.JMP | BPF.JGE | BPF.K, k, jt, jf);
  }
  ret(k: number): this {
    return this.#emit(BPF.RET | BPF.K, k);
  }
  #emit(code: number, k: number, jt: Target = 0, jf: Target = 0): this {
    this.#code.push({ code, k: k >>> 0, jt, jf });
    return this;
  }
  assemble(): BpfInstruction[] {
    return this.#code.map((insn, i) => ({
      code: insn.code,
      k: insn.k,
      jt: this.#offset(insn.jt, i),
      jf: this.#offset(insn.jf, i),
    }));
  }
  #offset(target: Target, at: number): number {
    if (target === 0) return 0;
    const to = this.#labels.get(target);
    if (to === undefined) throw new Error(`BPF label "${target}" is not defined`);
    const offset = to - at - 1;
    if (offset < 0 || offset > 255) throw new RangeError(`BPF jump to "${target}" out of range`);
    return offset;
  }
}

/** Low 32 bits of `seccomp_data.args[i]` (little-endian). */
function argLow(i: number): number {
  return SECCOMP_DATA.args + 8 * i;
}

/**
 * Builds the filter program.
 *
 * @param options What to restrict.
 * @returns The instructions, in order.
 * @example
 * ```ts
 * import { buildSeccompProgram } from "./seccomp.ts";
 * const prog = buildSeccompProgram({ arch: "x86_64", restrictSockets: true, allowUnixSockets: false });
 * console.assert(prog.length > 10);
 * ```
 */
export function buildSeccompProgram(options: SeccompOptions): BpfInstruction[] {
  const x86 = options.arch === "x86_64";
  const nr = x86 ? SYSCALLS_X86_64 : SYSCALLS_AARCH64;
  const a = new Assembler();
  a.load(SECCOMP_DATA.arch).jeq(x86 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64, 0, "kill");
  a.load(SECCOMP_DATA.nr);
  if (x86) a.jge(X32_SYSCALL_BIT, "kill");
  for (const denied of [SYS_IO_URING_SETUP, SYS_IO_URING_ENTER, SYS_IO_URING_REGISTER]) {
    a.jeq(denied, "eperm");
  }
  for (const denied of [nr.keyctl, nr.add_key, nr.request_key]) a.jeq(denied, "eperm");
  const ns = x86 ? NAMESPACE_SYSCALLS.x86_64 : NAMESPACE_SYSCALLS.aarch64;
  a.jeq(ns.clone3, "enosys").jeq(ns.setns, "eperm");
  a.jeq(ns.clone, "newuser").jeq(ns.unshare, "newuser");
  a.jeq(nr.ioctl, "ioctl");
  if (options.restrictSockets) {
    a.jeq(nr.socket, "socket");
    if (!options.allowUnixSockets) a.jeq(nr.socketpair, "socketpair");
    a.jeq(nr.sendto, "flags3").jeq(nr.sendmmsg, "flags3").jeq(nr.sendmsg, "flags2");
    if (options.denyListen) a.jeq(nr.listen, "eperm");
  }
  a.ret(SECCOMP_RET.ALLOW);

  a.label("ioctl").load(argLow(1)).jeq(TIOCSTI, "eperm").jeq(TIOCLINUX, "eperm");
  a.ret(SECCOMP_RET.ALLOW);
  // clone(flags, …) and unshare(flags): flags is args[0] on both architectures.
  a.label("newuser").load(argLow(0)).and(CLONE_NEWUSER).jeq(CLONE_NEWUSER, "eperm");
  a.ret(SECCOMP_RET.ALLOW);

  if (options.restrictSockets) {
    // sendto(fd, buf, len, flags, …) and sendmmsg(fd, vec, vlen, flags): flags is args[3];
    // sendmsg(fd, msg, flags): args[2].
    a.label("flags3").load(argLow(3)).and(MSG_FASTOPEN).jeq(MSG_FASTOPEN, "eperm");
    a.ret(SECCOMP_RET.ALLOW);
    a.label("flags2").load(argLow(2)).and(MSG_FASTOPEN).jeq(MSG_FASTOPEN, "eperm");
    a.ret(SECCOMP_RET.ALLOW);
    if (!options.allowUnixSockets) {
      // socketpair(domain, type, …): only AF_UNIX stream pairs (no address to send to).
      a.label("socketpair").load(argLow(0)).jeq(AF.UNIX, 0, "eperm");
      a.load(argLow(1)).and(SOCK.TYPE_MASK).jeq(SOCK.STREAM, "allow", "eperm");
    }
    a.label("socket").load(argLow(0));
    a.jeq(AF.UNIX, options.allowUnixSockets ? "allow" : "eperm");
    a.jeq(AF.NETLINK, "netlink").jeq(AF.INET, "inet").jeq(AF.INET6, "inet");
    a.ret(SECCOMP_RET.ERRNO | ERRNO.EPERM);
    a.label("netlink").load(argLow(2)).jeq(NETLINK_ROUTE, "allow", "eperm");
    a.label("inet").load(argLow(1)).and(SOCK.TYPE_MASK).jeq(SOCK.STREAM, 0, "eperm");
    a.load(argLow(2)).jeq(0, "allow").jeq(IPPROTO_TCP, "allow");
    a.ret(SECCOMP_RET.ERRNO | ERRNO.EPERM);
  }
  a.label("allow").ret(SECCOMP_RET.ALLOW);
  a.label("eperm").ret(SECCOMP_RET.ERRNO | ERRNO.EPERM);
  a.label("enosys").ret(SECCOMP_RET.ERRNO | ERRNO.ENOSYS);
  a.label("kill").ret(SECCOMP_RET.KILL_PROCESS);
  return a.assemble();
}

/**
 * Encodes instructions as an array of `struct sock_filter` (8 bytes each).
 *
 * @param program The instructions.
 * @returns The bytes.
 */
export function encodeProgram(program: BpfInstruction[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((insn, i) => {
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k, true);
  });
  return bytes;
}

/**
 * Installs a filter on the calling thread. `PR_SET_NO_NEW_PRIVS` must be set first.
 *
 * @param program The instructions.
 * @throws {ErrnoError} When `prctl(PR_SET_SECCOMP)` fails.
 */
export function installSeccomp(program: BpfInstruction[]): void {
  const filter = encodeProgram(program);
  // struct sock_fprog { unsigned short len; /* 6 bytes padding */ struct sock_filter *filter; }
  const fprog = new ArrayBuffer(16);
  const view = new DataView(fprog);
  view.setUint16(0, program.length, true);
  view.setBigUint64(8, addressOf(filter), true);
  sys("prctl", PR_SET_SECCOMP, SECCOMP_MODE_FILTER, addressOf(fprog), 0, 0);
  // Keep both buffers reachable until after the call.
  void filter.byteLength;
  void fprog.byteLength;
}
