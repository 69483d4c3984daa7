/**
 * Landlock through FFI: probe the ABI version, build a ruleset from a
 * {@linkcode LandlockSpec} and restrict the calling thread with it.
 *
 * `AIRLOCK_TEST_PRETEND_ABI=N` is for tests only: it makes the probe report at most N, to
 * simulate an older kernel. It can only lower the ABI, never raise it.
 *
 * Requires `--allow-ffi` (and `--allow-env` for the test variable, `--allow-read` to stat
 * rule paths).
 *
 * @module
 */

import {
  ERRNO,
  LANDLOCK_CREATE_RULESET_VERSION,
  LANDLOCK_RULE_NET_PORT,
  LANDLOCK_RULE_PATH_BENEATH,
  LANDLOCK_RULESET_ATTR_SIZE,
  O_CLOEXEC,
  O_PATH,
  SYS_LANDLOCK_ADD_RULE,
  SYS_LANDLOCK_CREATE_RULESET,
  SYS_LANDLOCK_RESTRICT_SELF,
} from "../../ffi/libc.ts";
import {
  expandProcRule,
  type LandlockPathRule,
  type LandlockSpec,
  PROC_ROOT,
  ruleAccessFor,
} from "./landlock_rules.ts";
import {
  addressOf,
  ErrnoError,
  isDirectoryFd,
  openAt,
  rawSyscall,
  readErrno,
  sys,
  unwrap,
} from "./syscalls.ts";

/** The test-only variable that lowers the probed ABI. */
export const PRETEND_ABI_ENV = "AIRLOCK_TEST_PRETEND_ABI";

let kernelAbi: number | undefined;

/**
 * The kernel's own Landlock ABI version, probed once.
 *
 * @returns The version, or 0 when Landlock is unavailable (not built, disabled at boot).
 */
export function kernelLandlockAbi(): number {
  if (kernelAbi !== undefined) return kernelAbi;
  try {
    const r = rawSyscall(SYS_LANDLOCK_CREATE_RULESET, 0, 0, LANDLOCK_CREATE_RULESET_VERSION);
    kernelAbi = Math.max(0, r);
  } catch {
    kernelAbi = 0;
  }
  return kernelAbi;
}

/**
 * The Landlock ABI version to use: the kernel's, lowered by `AIRLOCK_TEST_PRETEND_ABI`
 * when that is set to a smaller non-negative integer (tests only).
 *
 * @returns The ABI version (0: unavailable).
 */
export function landlockAbi(): number {
  const real = kernelLandlockAbi();
  let pretend: string | undefined;
  try {
    pretend = Deno.env.get(PRETEND_ABI_ENV);
  } catch {
    return real;
  }
  if (pretend === undefined || !/^\d+$/.test(pretend)) return real;
  return Math.min(real, Number(pretend));
}

/**
 * Creates a ruleset and adds every rule of `spec`. Paths that do not exist are skipped (a
 * grant on nothing grants nothing); a rule on a regular file carries only file rights; a
 * grant on `/proc` is split by {@linkcode expandProcRule} (so it reaches only this
 * process's own `/proc/PID`) unless the `/proc` is the sandbox's own (`privateProc`).
 *
 * @param spec The ruleset to build.
 * @param grants Descriptors of paths already opened and verified (used, not closed).
 * @returns The ruleset file descriptor (close-on-exec).
 * @throws {ErrnoError} When a syscall fails; `call` names it and the path or port.
 */
export function createRuleset(
  spec: LandlockSpec,
  grants: ReadonlyMap<string, number> = new Map(),
): number {
  const attr = new ArrayBuffer(LANDLOCK_RULESET_ATTR_SIZE.scoped);
  const view = new DataView(attr);
  view.setBigUint64(0, BigInt(spec.handledFs), true);
  view.setBigUint64(8, BigInt(spec.handledNet), true);
  view.setBigUint64(16, BigInt(spec.scoped), true);
  const rulesetFd = unwrap(
    "landlock_create_ruleset",
    rawSyscall(SYS_LANDLOCK_CREATE_RULESET, addressOf(attr), attr.byteLength),
  );

  // struct landlock_path_beneath_attr is packed: u64 allowed_access, s32 parent_fd.
  const pathAttr = new ArrayBuffer(12);
  const pathView = new DataView(pathAttr);
  const rules = spec.privateProc ? spec.paths : spec.paths.flatMap(expandProc);
  for (const rule of rules) {
    // A grant the helper verified before the mounts keeps its descriptor (`grant_fds.ts`).
    const given = grants.get(rule.path);
    const fd = given ?? openAt(rule.path, O_PATH | O_CLOEXEC);
    if (fd === -ERRNO.ENOENT) continue; // a grant on nothing grants nothing
    if (fd < 0) throw new ErrnoError(`open("${rule.path}")`, -fd);
    let errno = 0;
    try {
      const access = ruleAccessFor(rule.access, isDirectoryFd(fd));
      pathView.setBigUint64(0, BigInt(access), true);
      pathView.setInt32(8, fd, true);
      const r = rawSyscall(
        SYS_LANDLOCK_ADD_RULE,
        rulesetFd,
        LANDLOCK_RULE_PATH_BENEATH,
        addressOf(pathAttr),
      );
      if (r < 0) errno = readErrno();
    } finally {
      if (given === undefined) sys("close", fd);
    }
    if (errno !== 0) throw new ErrnoError(`landlock_add_rule("${rule.path}")`, errno);
  }

  // struct landlock_net_port_attr: u64 allowed_access, u64 port.
  const portAttr = new ArrayBuffer(16);
  const portView = new DataView(portAttr);
  for (const rule of spec.ports) {
    portView.setBigUint64(0, BigInt(rule.access), true);
    portView.setBigUint64(8, BigInt(rule.port), true);
    unwrap(
      `landlock_add_rule(port ${rule.port})`,
      rawSyscall(SYS_LANDLOCK_ADD_RULE, rulesetFd, LANDLOCK_RULE_NET_PORT, addressOf(portAttr)),
    );
  }
  return rulesetFd;
}

/**
 * Restricts the calling thread with a ruleset and closes it. `PR_SET_NO_NEW_PRIVS` must
 * be set first.
 *
 * @param rulesetFd The descriptor from {@linkcode createRuleset}.
 * @throws {ErrnoError} When `landlock_restrict_self` fails.
 */
export function restrictSelf(rulesetFd: number): void {
  unwrap("landlock_restrict_self", rawSyscall(SYS_LANDLOCK_RESTRICT_SELF, rulesetFd, 0));
  sys("close", rulesetFd);
}

/** A grant on /proc becomes the rules of {@linkcode expandProcRule}; others stay. */
function expandProc(rule: LandlockPathRule): LandlockPathRule[] {
  if (rule.path !== PROC_ROOT) return [rule];
  const entries = [...Deno.readDirSync(PROC_ROOT)].map((entry) => entry.name);
  return expandProcRule(rule.access, entries);
}
