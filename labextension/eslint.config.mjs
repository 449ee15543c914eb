// ESLint for the lab extension, after jupyterlab/extension-template's rules (flat config, ESLint 9):
// typescript-eslint's recommended set, React hooks rules, and prettier owning the formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', 'coverage/', '**/*.d.ts', 'src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}', 'test/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], custom: { regex: '^I[A-Z]', match: true } }
      ],
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { args: 'none', varsIgnorePattern: '^_', ignoreRestSiblings: true }
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // One place for state: only the model and its parts (model.ts, */*model.ts) call the API client;
    // components read the model through useModel and act through its methods.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/api.ts', 'src/model.ts', 'src/**/*model.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api'],
              importNames: ['api', 'request', 'Stream', 'LogFollower'],
              allowTypeImports: true,
              message: 'Call the server through the model (model.ts and its parts), not the API client.'
            }
          ]
        }
      ]
    }
  },
  prettier
);
