/**
 * The architecture check (`npm run check:architecture`, part of `npm run check`): the import rules
 * of docs/architecture.md. Type-only imports count (tsPreCompilationDeps), so a cycle closed by a
 * type declared in the wrong file fails too.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment:
        "No import cycles, type-only ones included: a cycle means a type or function lives in the wrong file.",
      from: {},
      to: { circular: true },
    },
    {
      name: "runtime-is-self-contained",
      severity: "error",
      comment: "runtime/ ships alone inside the image: it imports nothing outside runtime/.",
      from: { path: "^runtime/(src|web)/" },
      to: { path: "^(client|mirrors|images|infra|scripts|bench|test)/" },
    },
    {
      name: "mirrors-below-images-and-infra",
      severity: "error",
      comment: "mirrors/ may use runtime/ only (scripts -> infra | images -> mirrors, runtime).",
      from: { path: "^mirrors/src" },
      to: { path: "^(client|images|infra|scripts)/" },
    },
    {
      name: "infra-and-images-below-scripts",
      severity: "error",
      comment: "infra/ and images/ are libraries the scripts drive; they never import a script.",
      from: { path: "^(infra|images|mirrors|runtime|client)/", pathNot: "/test/" },
      to: { path: "^scripts/" },
    },
    {
      name: "infra-and-images-apart",
      severity: "error",
      comment: "infra/ and images/ are side by side under scripts/: neither imports the other.",
      from: { path: "^(infra|images)/", pathNot: "/test/" },
      to: { path: "^(infra|images)/", pathNot: "^$1/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.cache|out|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
