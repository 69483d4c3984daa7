import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import {
  AF,
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  CLONE_NEWUSER,
  MSG_FASTOPEN,
  NAMESPACE_SYSCALLS,
  SECCOMP_RET,
  SOCK,
  SYSCALLS_AARCH64,
  SYSCALLS_X86_64,
  TIOCSTI,
} from "../../ffi/libc.ts";
import {
  type BpfInstruction,
  buildSeccompProgram,
  encodeProgram,
  type SeccompOptions,
} from "../../src/sandbox/seccomp.ts";
import { runBpf } from "./_bpf.ts";

const EPERM = SECCOMP_RET.ERRNO | 1;
const ALLOW = SECCOMP_RET.ALLOW;
const KILL = SECCOMP_RET.KILL_PROCESS;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;

const restricted: SeccompOptions = {
  arch: "x86_64",
  restrictSockets: true,
  allowUnixSockets: false,
};
const x86 = buildSeccompProgram(restricted);

function socket(
  prog = x86,
  domain: number,
  type: number,
  protocol = 0,
  nr = SYSCALLS_X86_64.socket,
) {
  return runBpf(prog, { nr, arch: AUDIT_ARCH_X86_64, args: [domain, type, protocol] });
}

Deno.test("buildSeccompProgram() denies UDP sockets with EPERM", () => {
  assertEquals(socket(x86, AF.INET, SOCK.DGRAM), EPERM);
  assertEquals(socket(x86, AF.INET6, SOCK.DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC), EPERM);
});

Deno.test("buildSeccompProgram() denies raw and packet sockets", () => {
  assertEquals(socket(x86, AF.INET, SOCK.RAW, 1), EPERM);
  assertEquals(socket(x86, AF.PACKET, SOCK.RAW), EPERM);
  assertEquals(socket(x86, 40, /* AF_VSOCK */ SOCK.STREAM), EPERM);
});

Deno.test("buildSeccompProgram() allows TCP sockets, with flags, for Landlock to limit", () => {
  assertEquals(socket(x86, AF.INET, SOCK.STREAM), ALLOW);
  assertEquals(socket(x86, AF.INET6, SOCK.STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 6), ALLOW);
});

Deno.test("buildSeccompProgram() denies stream sockets of other protocols (SCTP, MPTCP)", () => {
  assertEquals(socket(x86, AF.INET, SOCK.STREAM, 132), EPERM);
  assertEquals(socket(x86, AF.INET, SOCK.STREAM, 262), EPERM);
  assertEquals(socket(x86, AF.INET, SOCK.SEQPACKET, 132), EPERM);
});

Deno.test("buildSeccompProgram() denies AF_UNIX sockets unless allowed, keeps netlink", () => {
  assertEquals(socket(x86, AF.UNIX, SOCK.STREAM), EPERM);
  assertEquals(socket(x86, AF.NETLINK, SOCK.RAW), ALLOW);
  const allowUnix = buildSeccompProgram({ ...restricted, allowUnixSockets: true });
  assertEquals(socket(allowUnix, AF.UNIX, SOCK.STREAM), ALLOW);
  assertEquals(socket(allowUnix, AF.INET, SOCK.DGRAM), EPERM);
});

Deno.test("buildSeccompProgram() leaves socketpair() alone", () => {
  const r = runBpf(x86, {
    nr: SYSCALLS_X86_64.socketpair,
    arch: AUDIT_ARCH_X86_64,
    args: [AF.UNIX, SOCK.STREAM],
  });
  assertEquals(r, ALLOW);
});

Deno.test("buildSeccompProgram() allows every socket in open network mode", () => {
  const open = buildSeccompProgram({ ...restricted, restrictSockets: false });
  assertEquals(socket(open, AF.INET, SOCK.DGRAM), ALLOW);
  assertEquals(socket(open, AF.UNIX, SOCK.STREAM), ALLOW);
});

Deno.test("buildSeccompProgram() denies io_uring and keyring syscalls in every mode", () => {
  for (const prog of [x86, buildSeccompProgram({ ...restricted, restrictSockets: false })]) {
    for (const nr of [425, 426, 427, SYSCALLS_X86_64.keyctl, SYSCALLS_X86_64.add_key]) {
      assertEquals(runBpf(prog, { nr, arch: AUDIT_ARCH_X86_64 }), EPERM, `syscall ${nr}`);
    }
  }
});

Deno.test("buildSeccompProgram() denies TIOCSTI but allows other ioctls", () => {
  const ioctl = (cmd: number) =>
    runBpf(x86, { nr: SYSCALLS_X86_64.ioctl, arch: AUDIT_ARCH_X86_64, args: [0, cmd] });
  assertEquals(ioctl(TIOCSTI), EPERM);
  assertEquals(ioctl(TIOCSTI + 2 ** 32), EPERM); // the kernel ignores the high half
  assertEquals(ioctl(0x5413 /* TIOCGWINSZ */), ALLOW);
});

Deno.test("buildSeccompProgram() kills foreign architectures and x32 syscalls", () => {
  assertEquals(runBpf(x86, { nr: 0, arch: 0x40000003 /* i386 */ }), KILL);
  assertEquals(runBpf(x86, { nr: 0, arch: AUDIT_ARCH_AARCH64 }), KILL);
  assertEquals(runBpf(x86, { nr: 0x40000000 + 41, arch: AUDIT_ARCH_X86_64 }), KILL);
  assertEquals(runBpf(x86, { nr: 0, arch: AUDIT_ARCH_X86_64 }), ALLOW);
});

Deno.test("buildSeccompProgram() uses aarch64 numbers on aarch64", () => {
  const arm = buildSeccompProgram({ ...restricted, arch: "aarch64" });
  const udp = {
    nr: SYSCALLS_AARCH64.socket,
    arch: AUDIT_ARCH_AARCH64,
    args: [AF.INET, SOCK.DGRAM],
  };
  assertEquals(runBpf(arm, udp), EPERM);
  assertEquals(runBpf(arm, { ...udp, arch: AUDIT_ARCH_X86_64 }), KILL);
  // x86_64's socket number (41) is an unrelated syscall on aarch64.
  assertEquals(runBpf(arm, { ...udp, nr: 41 }), ALLOW);
  assertEquals(runBpf(arm, { nr: 0x40000000, arch: AUDIT_ARCH_AARCH64 }), ALLOW);
});

Deno.test("encodeProgram() writes 8-byte little-endian sock_filter entries", () => {
  const bytes = encodeProgram([{ code: 0x15, jt: 1, jf: 2, k: 0xc000003e }]);
  assertEquals([...bytes], [0x15, 0, 1, 2, 0x3e, 0, 0, 0xc0]);
});

Deno.test("buildSeccompProgram() output passes a structural check: every jump lands inside", () => {
  for (const prog of [x86, buildSeccompProgram({ ...restricted, arch: "aarch64" })]) {
    prog.forEach((insn, i) => {
      if ((insn.code & 0x07) === 0x05) {
        if (i + 1 + insn.jt >= prog.length || i + 1 + insn.jf >= prog.length) {
          throw new Error(`jump out of range at ${i}`);
        }
      }
    });
    assertEquals(prog.at(-1)!.code, 0x06);
  }
  assertThrows(() => runBpf([], { nr: 0, arch: 0 }));
});

Deno.test("buildSeccompProgram() denies MSG_FASTOPEN sends (they connect without connect())", () => {
  const call = (prog: typeof x86, nr: number, args: number[]) =>
    runBpf(prog, { nr, arch: AUDIT_ARCH_X86_64, args });
  const MSG_NOSIGNAL = 0x4000;
  assertEquals(call(x86, SYSCALLS_X86_64.sendto, [3, 0, 1, MSG_FASTOPEN, 0, 16]), EPERM);
  assertEquals(call(x86, SYSCALLS_X86_64.sendto, [3, 0, 1, MSG_FASTOPEN | MSG_NOSIGNAL]), EPERM);
  assertEquals(call(x86, SYSCALLS_X86_64.sendmmsg, [3, 0, 1, MSG_FASTOPEN]), EPERM);
  assertEquals(call(x86, SYSCALLS_X86_64.sendmsg, [3, 0, MSG_FASTOPEN]), EPERM);
  assertEquals(call(x86, SYSCALLS_X86_64.sendto, [3, 0, 1, MSG_NOSIGNAL]), ALLOW);
  assertEquals(call(x86, SYSCALLS_X86_64.sendmsg, [3, 0, 0]), ALLOW);
  const open = buildSeccompProgram({ ...restricted, restrictSockets: false });
  assertEquals(call(open, SYSCALLS_X86_64.sendto, [3, 0, 1, MSG_FASTOPEN]), ALLOW);
});

Deno.test("buildSeccompProgram() denies listen() only when asked (nothing may listen)", () => {
  const listen = { nr: SYSCALLS_X86_64.listen, arch: AUDIT_ARCH_X86_64, args: [3, 128] };
  assertEquals(runBpf(x86, listen), ALLOW);
  assertEquals(runBpf(buildSeccompProgram({ ...restricted, denyListen: true }), listen), EPERM);
});

const NS = NAMESPACE_SYSCALLS.x86_64;
const ENOSYS = SECCOMP_RET.ERRNO | 38;
const call = (prog: BpfInstruction[], nr: number, args: number[] = []) =>
  runBpf(prog, { nr, arch: AUDIT_ARCH_X86_64, args });

Deno.test("buildSeccompProgram() denies new user namespaces through clone and unshare, in every mode", () => {
  const open = buildSeccompProgram({ ...restricted, restrictSockets: false });
  for (const prog of [x86, open]) {
    assertEquals(call(prog, NS.clone, [CLONE_NEWUSER | 17]), EPERM);
    assertEquals(call(prog, NS.unshare, [CLONE_NEWUSER]), EPERM);
    assertEquals(call(prog, NS.unshare, [CLONE_NEWUSER | 0x20000 /* NEWNS */]), EPERM);
    // Threads and plain forks go through (clone without CLONE_NEWUSER).
    assertEquals(call(prog, NS.clone, [0x3d0f00 /* pthread flags */]), ALLOW);
    assertEquals(call(prog, NS.unshare, [0x20000]), ALLOW);
    assertEquals(call(prog, NS.setns, [3, 0]), EPERM);
  }
});

Deno.test("buildSeccompProgram() answers clone3 with ENOSYS so libc falls back to clone", () => {
  assertEquals(call(x86, NS.clone3, [0, 88]), ENOSYS);
  const arm = buildSeccompProgram({ ...restricted, arch: "aarch64" });
  assertEquals(
    runBpf(arm, { nr: NAMESPACE_SYSCALLS.aarch64.clone3, arch: AUDIT_ARCH_AARCH64 }),
    ENOSYS,
  );
  assertEquals(
    runBpf(arm, {
      nr: NAMESPACE_SYSCALLS.aarch64.unshare,
      arch: AUDIT_ARCH_AARCH64,
      args: [CLONE_NEWUSER],
    }),
    EPERM,
  );
});

Deno.test("buildSeccompProgram() allows only NETLINK_ROUTE among netlink protocols", () => {
  assertEquals(socket(x86, AF.NETLINK, SOCK.RAW, 0), ALLOW);
  assertEquals(socket(x86, AF.NETLINK, SOCK.DGRAM, 12 /* NETLINK_NETFILTER */), EPERM);
  assertEquals(socket(x86, AF.NETLINK, SOCK.RAW, 9 /* NETLINK_AUDIT */), EPERM);
  assertEquals(socket(x86, AF.NETLINK, SOCK.RAW, 16 /* NETLINK_GENERIC */), EPERM);
});

Deno.test("buildSeccompProgram() denies AF_UNIX datagram and seqpacket pairs unless UNIX sockets are allowed", () => {
  const pair = (prog: BpfInstruction[], type: number) =>
    call(prog, SYSCALLS_X86_64.socketpair, [AF.UNIX, type, 0]);
  assertEquals(pair(x86, SOCK.DGRAM), EPERM);
  assertEquals(pair(x86, SOCK.DGRAM | SOCK_CLOEXEC), EPERM);
  assertEquals(pair(x86, SOCK.SEQPACKET), EPERM);
  assertEquals(pair(x86, SOCK.STREAM | SOCK_CLOEXEC), ALLOW);
  const allowUnix = buildSeccompProgram({ ...restricted, allowUnixSockets: true });
  assertEquals(pair(allowUnix, SOCK.DGRAM), ALLOW);
});
