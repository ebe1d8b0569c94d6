// Validates speedscope files against the JSON schema shipped in the npm package `speedscope`
// (dist/release/file-format-schema.json), with ajv. Both come from `npm ci` in the build tree.
// usage: node check_speedscope.mjs NODE_MODULES_DIR FILE...
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
const require = createRequire(path.join(modules, "package.json"));
const Ajv = require("ajv");
const schemaPath = path.join(modules, "speedscope", "dist", "release", "file-format-schema.json");
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
let failed = 0;
for (const file of files) {
    const data = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!validate(data)) {
        console.log(`${file}: not a valid speedscope file: ${ajv.errorsText(validate.errors)}`);
        failed++;
    }
}
// A schema that accepts anything would make this test useless: a broken file must fail.
if (validate({ profiles: [{ type: "sampled" }] })) {
    console.log("schema accepted a broken file: is it really speedscope's schema?");
    failed++;
}
if (failed) process.exit(1);
console.log(`${files.length} speedscope file(s) valid against ${schemaPath}`);
