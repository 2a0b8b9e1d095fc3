// Packaging check for CI: the .vsix builds and ships only what runs.
import { execFileSync } from 'node:child_process';

const listing = execFileSync('npx', ['vsce', 'ls', '--no-dependencies'], { encoding: 'utf8' });
const files = listing.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('npm '));
const allowed = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/, /^media\/icon\.png$/,
  /^dist\/extension\.js$/, /^dist\/cli\.js$/, /^dist\/captureWorker\.js$/, /^dist\/webview\/[\w.-]+\.(js|css|ttf)$/, /^syntaxes\/.+\.json$/,
];
const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
const required = ['package.json', 'README.md', 'LICENSE', 'dist/extension.js', 'dist/cli.js', 'dist/captureWorker.js', 'dist/webview/main.js'];
const missing = required.filter((f) => !files.includes(f));
console.log(`vsix files (${files.length}):\n  ${files.join('\n  ')}`);
if (unexpected.length || missing.length) {
  console.error(`unexpected in the vsix: ${unexpected.join(', ') || 'none'}; missing: ${missing.join(', ') || 'none'}`);
  process.exit(1);
}
