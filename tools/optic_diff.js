'use strict';
// The OpenAPI diff engine behind `make spec-diff`: runs @useoptic/optic 1.0.9's own diff and its
// "breaking-changes" standard on two documents and prints one JSON object on stdout:
//   {"changelog": <optic's JSON changelog>, "results": [<failed optic checks>]}
// `optic diff --json` prints only the changelog, not the check results, hence this bridge to the
// same functions the CLI calls (build/commands/diff/compute.js). tools/spec_diff.py classifies.
//     node tools/optic_diff.js BASE.json HEAD.json
//     node tools/optic_diff.js --serve   (one ["BASE.json", "HEAD.json"] line in, one line out, until
//                                         stdin closes; failures answer {"error": "..."})
// --serve is what tools/_optic.py runs: loading optic costs about a second of CPU, one diff a
// tenth of that, and one `make specs` or test run diffs many pairs.
process.env.OPTIC_TELEMETRY_LEVEL = 'off'; // no Segment or Sentry calls (build/segment.js, sentry.js)
const path = require('path');
const readline = require('readline');

const optic = path.dirname(require.resolve('@useoptic/optic/package.json'));
const load = (rel) => require(path.join(optic, 'build', rel));
const { loadSpec } = load('utils/spec-loaders');
const { compute } = load('commands/diff/compute');
const { DefaultOpticCliConfig } = load('config');
const { jsonChangelog } = load('commands/diff/changelog-renderers/json-changelog');

async function diff(base, head, root) {
  const config = { ...DefaultOpticCliConfig, root, isInCi: false };
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
  return JSON.stringify({ changelog, results }) + '\n';
}

async function serve() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let answer;
    try {
      const [base, head] = JSON.parse(line);
      // The root each one-shot run had: its cwd, the pair's own directory.
      answer = await diff(base, head, path.dirname(base));
    } catch (err) {
      answer = JSON.stringify({ error: String((err && err.stack) || err) }) + '\n';
    }
    process.stdout.write(answer);
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 1 && args[0] === '--serve') return serve();
  const [base, head] = args;
  if (!base || !head) throw new Error('usage: node optic_diff.js BASE.json HEAD.json | --serve');
  process.stdout.write(await diff(base, head, process.cwd()));
}

main().catch((err) => {
  process.stderr.write(`optic_diff: ${(err && err.stack) || err}\n`);
  process.exit(1);
});
