// The SDK is loaded in one place, with require: an ESM `import` of it makes Node scan its 6 MB CommonJS bundle
// for export names (~35 MB of RSS and ~0.1 s more at start, measured). Type imports cost nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('loading the SDK', () => {
  it('only src/feishu/client.ts loads @larksuiteoapi/node-sdk as a value; everywhere else it is a type import', () => {
    const offenders = sourceFiles('src')
      .filter((file) => relative('src', file) !== join('feishu', 'client.ts'))
      .filter((file) => /^import (?!type )[^;]*from '@larksuiteoapi\/node-sdk'/m.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
