/* Firmware entry point for the `d1-mini` board: everything is wired in app.ts. */
import { startApp } from "../app.ts";

startApp();
