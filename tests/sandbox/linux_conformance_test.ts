import { runSandboxConformance } from "./conformance.ts";

runSandboxConformance("linux");
