import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layering (docs/architecture.md) as a check: data flows one way, and only src/feishu/ loads the SDK.
const SDK = { regex: '^@larksuiteoapi/', message: 'Only src/feishu/ loads the Feishu SDK.' };
const LOCAL_ONLY = {
  regex: '(^|/)(emulator|local)/',
  message: 'Production code never imports the emulator or local mode (main.ts loads local mode with import()).',
};
const OUTWARD = {
  regex: '(^|/)(feishu|state|transports|emulator|local)/|^(koa|koa-router|bullmq|ioredis|ws|axios)$',
  message: 'src/bot/ is the core: it reaches adapters and transports only through the ports in bot/ports.ts.',
};
const NOT_JSON_OR_ERRORS = {
  regex: '^(?!node:|\\./|\\.\\./(json|errors)\\.js$)',
  message: 'src/protocol/ imports nothing of ours but json.ts and errors.ts, and no package.',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export const layers = [
  {
    files: ['src/**/*.ts'],
    ignores: ['src/feishu/**', 'src/emulator/**', 'src/local/**'],
    rules: restrict(SDK, LOCAL_ONLY),
  },
  // The bot's entry names the emulator's type; the module itself is loaded only in local mode.
  { files: ['src/main.ts'], rules: restrict(SDK, { ...LOCAL_ONLY, allowTypeImports: true }) },
  { files: ['src/feishu/**/*.ts'], rules: restrict(LOCAL_ONLY) },
  { files: ['src/bot/**/*.ts'], rules: restrict(SDK, OUTWARD) },
  { files: ['src/protocol/**/*.ts'], rules: restrict(NOT_JSON_OR_ERRORS) },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...layers,
);
