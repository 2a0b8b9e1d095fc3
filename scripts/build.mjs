// One esbuild script, several bundles: extension host, webview, CLI and the unit tests.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, statSync, chmodSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const builds = [
  {
    ...common,
    entryPoints: { extension: 'extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  // Loading and scanning of large captures, off the extension host's thread (core/work).
  {
    ...common,
    entryPoints: { captureWorker: 'extension/core/work/captureWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: { cli: 'extension/cli.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __LEAKLENS_VERSION__: JSON.stringify(pkg.version) },
  },
  {
    ...common,
    entryPoints: { 'webview/main': 'webview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    loader: { '.css': 'text' },
  },
  {
    ...common,
    entryPoints: findTests(join(root, 'test/unit')).map((f) => f.slice(root.length)),
    outdir: 'dist/test/unit',
    outbase: 'test/unit',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    external: ['vscode'],
  },
  // Mocha inside the real extension host (test/host), the webview in Chromium (test/webview) and
  // the workbench scenarios (test/e2e).
  ...['host', 'webview', 'e2e'].map((tier) => ({
    ...common,
    entryPoints: [
      ...findTests(join(root, 'test', tier)),
      ...(tier === 'host' ? [join(root, 'test/host/index.ts')] : []),
    ].map((f) => f.slice(root.length)),
    outdir: `dist/test/${tier}`,
    outbase: `test/${tier}`,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    external: ['vscode'],
  })),
];

function copyAssets() {
  mkdirSync(join(root, 'dist/webview'), { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) {
    cpSync(join(root, 'node_modules/@vscode/codicons/dist', file), join(root, 'dist/webview', file));
  }
  // One stylesheet for the page: the panel's, then each component's own (webview/*.css).
  const sheets = ['styles.css', ...readdirSync(join(root, 'webview')).filter((f) => f.endsWith('.css') && f !== 'styles.css').sort()];
  const css = sheets.filter((f) => existsSync(join(root, 'webview', f))).map((f) => `/* webview/${f} */\n${readFileSync(join(root, 'webview', f), 'utf8')}`);
  writeFileSync(join(root, 'dist/webview/styles.css'), css.join('\n'));
}

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
  copyAssets();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  copyAssets();
  chmodSync(join(root, 'dist/cli.js'), 0o755);
}
