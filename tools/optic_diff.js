'use strict';
// The OpenAPI diff engine behind `make spec-diff`: runs @useoptic/optic 1.0.9's own diff and its
// "breaking-changes" standard on two documents and prints one JSON object on stdout:
//   {"changelog": <optic's JSON changelog>, "results": [<failed optic checks>]}
// `optic diff --json` prints only the changelog, not the check results, hence this bridge to the
// same functions the CLI calls (build/commands/diff/compute.js). tools/spec_diff.py classifies.
//     node tools/optic_diff.js BASE.json HEAD.json
process.env.OPTIC_TELEMETRY_LEVEL = 'off'; // no Segment or Sentry calls (build/segment.js, sentry.js)
const path = require('path');

const optic = path.dirname(require.resolve('@useoptic/optic/package.json'));
const load = (rel) => require(path.join(optic, 'build', rel));
const { loadSpec } = load('utils/spec-loaders');
const { compute } = load('commands/diff/compute');
const { DefaultOpticCliConfig } = load('config');
const { jsonChangelog } = load('commands/diff/changelog-renderers/json-changelog');

async function main() {
  const [base, head] = process.argv.slice(2);
  if (!base || !head) throw new Error('usage: node optic_diff.js BASE.json HEAD.json');
  const config = { ...DefaultOpticCliConfig, root: process.cwd(), isInCi: false };
  const opts = { strict: false, denormalize: true };
  const [baseFile, headFile] = await Promise.all([
    loadSpec(base, config, opts),
    loadSpec(head, config, opts),
  ]);
  const { specResults, changelogData } = await compute([baseFile, headFile], config, {
    check: true,
    path: head,
  });
  const results = specResults.results
    .filter((r) => !r.passed && !r.exempted)
    .map((r) => ({ name: r.name, severity: r.severity, error: r.error, location: r.location }));
  const changelog = jsonChangelog({ from: baseFile.jsonLike, to: headFile.jsonLike }, changelogData);
  process.stdout.write(JSON.stringify({ changelog, results }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`optic_diff: ${(err && err.stack) || err}\n`);
  process.exit(1);
});
