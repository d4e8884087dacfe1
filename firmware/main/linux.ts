/* Firmware entry point for the `linux` board: everything is wired in app.ts. */
import { startApp } from "../app.ts";

startApp();
