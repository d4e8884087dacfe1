/* Benchmark entry for the `linux` board: the network services without the web server (scripts/bench-services.ts). */
import { startApp } from "../app.ts";

startApp(false);
