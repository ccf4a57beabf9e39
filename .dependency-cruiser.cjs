/**
 * Import rules of src/ (README, Architecture): no circles, and the layers
 *   domain ← security evaluator ← services ← (routers, console pages, node APIs, engine, CLI).
 * `npm run lint` runs them.
 */
const CALLERS = "^src/(app|node-api|engine|cli|server/api|trpc)/";
const PURE_EVALUATOR = "^src/security/(evaluate|types|report-markdown)\\.ts$";
const TESTS = "\\.test\\.tsx?$|^src/test/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules that import each other in a circle: move the shared piece down a layer (usually into src/server/domain).",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-imports-only-domain",
      severity: "error",
      comment: "src/server/domain holds the rules and shapes everyone shares; it imports nothing else from the app.",
      from: { path: "^src/server/domain/", pathNot: TESTS },
      to: { path: "^src/", pathNot: "^src/server/domain/" },
    },
    {
      name: "security-evaluator-is-pure",
      severity: "error",
      comment: "The Security page's rules are pure functions of the domain's shapes (no I/O, no services).",
      from: { path: PURE_EVALUATOR },
      to: { path: "^src/", pathNot: ["^src/server/domain/", PURE_EVALUATOR] },
    },
    {
      name: "services-do-not-import-callers",
      severity: "error",
      comment: "Services are shared by the console, node APIs, engine and CLI: they never import those callers (nor HTTP frameworks).",
      from: { path: "^src/server/services/", pathNot: TESTS },
      to: { path: [CALLERS, "^src/server/auth/config\\.ts$", "^node_modules/(fastify|next|next-auth|@fastify)/"] },
    },
    {
      name: "client-components-import-server-code-as-types",
      severity: "error",
      comment: "Client components may use server modules as types only; shared rules and schemas live in src/server/domain.",
      from: { path: ["^src/components/", "^src/app/.*/_components/", "^src/app/login/login-form\\.tsx$"] },
      to: {
        path: "^src/(server|engine|node-api|cli|security)/",
        pathNot: ["^src/server/domain/", PURE_EVALUATOR],
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "routes-do-not-share-private-components",
      severity: "error",
      comment: "A route's _components are its own; what two routes share goes to src/app/(console)/_components or src/components.",
      from: { path: "^src/app/\\(console\\)/([^/_][^/]*)/" },
      to: { path: "^src/app/\\(console\\)/[^/]+/.*_components/", pathNot: "^src/app/\\(console\\)/$1/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
