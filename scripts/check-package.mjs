// Packaging check for CI: the .vsix builds and ships only what runs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const listing = execFileSync('npx', ['vsce', 'ls', '--no-dependencies'], { encoding: 'utf8' });
const files = listing.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('npm '));
const allowed = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/, /^media\/icon\.png$/,
  /^dist\/extension\.js$/, /^dist\/cli\.js$/, /^dist\/captureWorker\.js$/, /^dist\/webview\/[\w.-]+\.(js|css|ttf)$/, /^syntaxes\/.+\.json$/,
];
const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
// Every grammar and language configuration package.json names must ship too (syntaxes/).
const { contributes } = JSON.parse(readFileSync('package.json', 'utf8'));
const syntaxFiles = [...(contributes.grammars ?? []).map((g) => g.path), ...(contributes.languages ?? []).map((l) => l.configuration)]
  .filter((p) => typeof p === 'string').map((p) => p.replace(/^\.\//, ''));
const required = ['package.json', 'README.md', 'LICENSE', 'dist/extension.js', 'dist/cli.js', 'dist/captureWorker.js', 'dist/webview/main.js', ...syntaxFiles];
const missing = required.filter((f) => !files.includes(f));
console.log(`vsix files (${files.length}):\n  ${files.join('\n  ')}`);
if (unexpected.length || missing.length) {
  console.error(`unexpected in the vsix: ${unexpected.join(', ') || 'none'}; missing: ${missing.join(', ') || 'none'}`);
  process.exit(1);
}
