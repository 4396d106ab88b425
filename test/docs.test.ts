// The docs stay navigable: every relative link (and #anchor) in README.md, docs/ and bench/README.md leads
// somewhere, and the README links every page in docs/.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/bot-process.js';

const PAGES = ['README.md', 'bench/README.md', ...readdirSync(join(REPO_ROOT, 'docs')).map((name) => `docs/${name}`)];
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** Markdown links outside code: [text](target). */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const headings = markdown.replace(/```[\s\S]*?```/g, '').match(/^#{1,6} .+$/gm) ?? [];
  return new Set(
    headings.map((heading) =>
      heading
        .replace(/^#+ /, '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('the docs', () => {
  it.each(PAGES)('%s links only to files and headings that exist', (page) => {
    for (const link of linksOf(read(page))) {
      if (/^[a-z]+:/.test(link)) continue; // https:, mailto:
      const [file = '', anchor] = link.split('#');
      const target = file === '' ? page : relative(REPO_ROOT, join(REPO_ROOT, dirname(page), file));
      expect(existsSync(join(REPO_ROOT, target)), `${page} → ${link}`).toBe(true);
      if (anchor) expect([...anchorsOf(read(target))], `${page} → ${link}`).toContain(anchor);
    }
  });

  it('the README sends readers to every page in docs/, and stays short', () => {
    const readme = read('README.md');
    for (const page of PAGES.filter((path) => path.startsWith('docs/'))) expect(readme, page).toContain(`](${page})`);
    expect(readme.split('\n').length).toBeLessThanOrEqual(150);
  });
});
