import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', 'out/**', 'cache/**', 'broadcast/**', 'lib/contracts/generated.ts', 'next-env.d.ts', 'test-results/**', '.data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Typed seams (issue 10 item 6): outside tests, no cast may silence the generated ABIs' types. A generic helper
    // narrows through a named viem type instead, so its callers stay checked.
    files: ['app/**', 'components/**', 'lib/**', 'services/**', 'script/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'TSAsExpression > TSNeverKeyword.typeAnnotation', message: '`as never` hides a type error: type the call over the generated ABI' },
        { selector: 'TSAsExpression > TSAsExpression > TSUnknownKeyword.typeAnnotation', message: '`as unknown as` hides a type error: type the value instead' },
      ],
    },
  },
);
