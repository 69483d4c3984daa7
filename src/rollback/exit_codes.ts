/**
 * Exit codes of `airlock rollback …` (documented in the README and in `--help`).
 *
 * - 0 done (`verify`: the snapshot is intact)
 * - 1 `verify` found a corrupt or missing object or a root mismatch; `restore` refused
 *   because an object it needs is corrupt
 * - 2 usage error (bad flag, a workdir that is not a directory)
 * - 3 unknown snapshot id
 * - 4 the store was written by a newer airlock
 * - 125 any other failure (I/O, permissions)
 *
 * @module
 */

/** `verify` failed, or `restore` met a corrupt object. */
export const EXIT_ROLLBACK_CORRUPT = 1;
/** No snapshot has that id. */
export const EXIT_UNKNOWN_SNAPSHOT = 3;
/** The store's layout version is newer than this airlock's. */
export const EXIT_STORE_TOO_NEW = 4;

/** The exit-code lines shown by `airlock rollback --help`. */
export const ROLLBACK_EXIT_HELP = `Exit codes:
  0    done (verify: the snapshot is intact)
  1    verify found a corrupt or missing object or a root mismatch; restore met a corrupt object
  2    usage error (bad flag, workdir not a directory)
  3    unknown snapshot id
  4    the store was written by a newer airlock
  125  any other failure`;
