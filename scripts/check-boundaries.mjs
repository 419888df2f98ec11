// Checks the import boundaries in .dependency-cruiser.cjs for the folders given (npm run lint):
//   node scripts/check-boundaries.mjs src workflows activities workers
// Runs dependency-cruiser through its API because its CLI (`depcruise`) refuses to start on Node 20,
// this project's runtime; the API itself runs on it. On Node >= 22 this is the same as
// `depcruise --config .dependency-cruiser.cjs <folders>`.
import { cruise } from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const CONFIG_FILE = './.dependency-cruiser.cjs';

const folders = process.argv.slice(2);
if (folders.length === 0) {
  console.error('usage: node scripts/check-boundaries.mjs <folder>...');
  process.exit(2);
}

const ruleSet = await extractDepcruiseConfig(CONFIG_FILE);
const tsConfigFile = ruleSet.options?.tsConfig?.fileName;
const result = await cruise(
  folders,
  // err-long: each violation with its rule's comment (why), and a cycle with its whole path.
  { ...ruleSet.options, validate: true, ruleSet, outputType: 'err-long' },
  {},
  { tsConfig: tsConfigFile ? extractTSConfig(tsConfigFile) : {} },
);
process.stdout.write(result.output);
process.exitCode = result.exitCode;
