/**
 * The exec helper's macOS path: apply the plan's Seatbelt profile with `sandbox_init`,
 * restore default signal handling, mark inherited descriptors close-on-exec and `execve`
 * the command, all synchronously. Cannot run on Linux; kept type-checked.
 *
 * @module
 */

import {
  F_SETFD,
  FD_CLOEXEC,
  LIBSYSTEM_PATH,
  LIBSYSTEM_SYMBOLS,
  NSIG_DARWIN,
  SIG_SETMASK_DARWIN,
} from "../../ffi/libsystem.ts";
import type { SandboxPlan } from "./plan.ts";
import { cString, cStringArray } from "./syscalls.ts";

const SIGKILL = 9;
const SIGSTOP = 17;
const ENOENT = 2;

/**
 * Confines this process with the plan's Seatbelt profile and execs the command.
 *
 * @param plan A plan carrying `seatbelt`.
 * @param fail Prints one line and exits with the code.
 * @returns Never.
 */
export function execSeatbelt(
  plan: SandboxPlan,
  fail: (code: number, message: string) => never,
): never {
  let lib: Deno.DynamicLibrary<typeof LIBSYSTEM_SYMBOLS>;
  try {
    lib = Deno.dlopen(LIBSYSTEM_PATH, LIBSYSTEM_SYMBOLS);
  } catch (err) {
    return fail(125, `Cannot load libSystem: ${err instanceof Error ? err.message : String(err)}`);
  }
  const c = lib.symbols;
  const errno = () => {
    const p = c.__error();
    return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
  };
  try {
    Deno.chdir(plan.cwd);
  } catch (err) {
    return fail(125, `Cannot enter the working directory "${plan.cwd}": ${String(err)}`);
  }
  if (c.getppid() !== plan.parentPid) Deno.exit(125);

  const profile = cString(plan.seatbelt ?? "");
  const errorOut = new BigUint64Array(1);
  if (plan.seatbelt !== "" && c.sandbox_init(profile, 0n, errorOut) !== 0) {
    const ptr = Deno.UnsafePointer.create(errorOut[0]!);
    const reason = ptr === null ? "unknown error" : new Deno.UnsafePointerView(ptr).getCString();
    c.sandbox_free_error(ptr);
    return fail(125, `Cannot apply the Seatbelt profile: ${reason.split("\n")[0]}`);
  }

  for (let sig = 1; sig < NSIG_DARWIN; sig++) {
    if (sig !== SIGKILL && sig !== SIGSTOP) c.signal(sig, 0n);
  }
  c.sigprocmask(SIG_SETMASK_DARWIN, new Uint8Array(4), null);
  const max = c.getdtablesize();
  for (let fd = 3; fd < max; fd++) c.fcntl(fd, F_SETFD, FD_CLOEXEC);

  const file = cString(plan.file);
  const argv = cStringArray(plan.argv);
  const envp = cStringArray(plan.envp);
  c.execve(file, argv.array, envp.array);
  const e = errno();
  void [file, argv.strings, envp.strings];
  return fail(e === ENOENT ? 127 : 126, `Cannot run "${plan.file}": errno ${e}`);
}
