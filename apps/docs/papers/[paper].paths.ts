// VitePress dynamic route: one page per seed paper, rendered from papers.ts.
import { PAPERS } from './papers.js';

export default {
  paths() {
    return PAPERS.map((p) => ({
      params: { paper: p.slug, title: p.title },
      content: [
        `# ${p.title}`,
        '',
        `*${p.year}* · status: **${p.status}**`,
        '',
        `> ${p.summary}`,
        '',
        '## What descent implements',
        '',
        p.implements,
        '',
        '## How it was checked',
        '',
        p.checked,
        '',
        '[All seed papers](/papers/)',
      ].join('\n'),
    }));
  },
};
