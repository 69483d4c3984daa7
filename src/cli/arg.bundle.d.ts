// Types of arg.bundle.js: the `arg` package's own declarations.
import arg from "arg";

export { arg };
