// Runs only on macOS (Seatbelt); there is no Mac in CI, so on Linux every case is ignored.
import { runSandboxConformance } from "./conformance.ts";

runSandboxConformance("macos");
