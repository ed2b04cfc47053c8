import "../runtime/src/server/main.ts";
