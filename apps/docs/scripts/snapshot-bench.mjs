// Copies the latest `pnpm bench` output (bench-results/*.json and *.md at the repository root)
// into apps/docs/bench/data, the snapshot the benchmark pages render. Run after `pnpm bench`.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../../../bench-results/', import.meta.url));
const to = fileURLToPath(new URL('../bench/data/', import.meta.url));
if (!existsSync(from)) {
  console.error(`no ${from}: run \`pnpm bench\` first`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((f) => f.endsWith('.json') || f.endsWith('.md'));
for (const f of files) copyFileSync(from + f, to + f);
console.log(`copied ${files.length} files into ${to}`);
