import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'vscode', message: 'core/ and webview/ run outside VS Code: no vscode import here.' }],
  }],
  'no-restricted-syntax': ['error', {
    selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']",
    message: 'core/ and webview/ run outside VS Code: no vscode import here.',
  }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'test-output/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  { files: ['extension/core/**/*.ts', 'webview/**/*.ts'], rules: noVscode },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { property: 'innerHTML', message: 'Capture content is hostile: use textContent.' },
        { property: 'outerHTML', message: 'Capture content is hostile: use textContent.' },
        { property: 'insertAdjacentHTML', message: 'Capture content is hostile: use textContent.' },
      ],
    },
  },
);
