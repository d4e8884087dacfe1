/* Benchmark entry for the `linux` board: the network services without the web server (scripts/bench-services.ts). */
import { startCore } from "../app.ts";

startCore();
