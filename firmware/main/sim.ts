/* Firmware entry point for the `sim` board: everything is wired in app.ts. */
import { startApp } from "../app.ts";

startApp();
