import { parseDemoSize } from "../../runtime/src/config/model-dir.ts";
import { type LoadMeasure, measureLoad } from "./cache-load.ts";

/**
 * The load measures in a fresh process, as a service start is: `node --import tsx load-child.ts
 * ROUNDS WxD[,WxD...]` prints the LoadMeasure of each size, in order, as one JSON line.
 */
const [rounds, sizes] = process.argv.slice(2);
const measures: LoadMeasure[] = [];
for (const size of sizes!.split(",")) measures.push(await measureLoad(parseDemoSize(size), Number(rounds)));
console.log(JSON.stringify(measures));
