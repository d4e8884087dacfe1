/* Lazy module `lazy:line-cmd` (docs/MEMORY.md): the line protocol's commands, loaded for each line and dropped after. */
export { runLine } from "../services/line-commands.ts";
