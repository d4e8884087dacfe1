/* Firmware entry point for the `nodemcu` board: everything is wired in app.ts. */
import { startApp } from "../app.ts";

startApp();
