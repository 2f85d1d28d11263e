// VitePress data loader: the benchmark snapshot in ./data, read at build time. Each suite's JSON,
// and its Markdown table (as `pnpm bench` writes it) rendered to HTML, headings demoted to h3.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createMarkdownRenderer } from 'vitepress';

export interface BenchFile {
  name: string;
  json: Record<string, unknown>;
  /** The suite's Markdown report as HTML, when the bench wrote one. */
  html: string | undefined;
}

declare const data: BenchFile[];
export { data };

export default {
  watch: ['./data/*.json', './data/*.md'],
  async load(files: string[]): Promise<BenchFile[]> {
    const jsonFiles = files.filter((f) => f.endsWith('.json')).sort();
    const md = await createMarkdownRenderer(jsonFiles.length > 0 ? dirname(jsonFiles[0]) : '.');
    return jsonFiles.map((f) => {
      const name = basename(f, '.json');
      const mdFile = join(dirname(f), `${name}.md`);
      const html = existsSync(mdFile) ? md.render(readFileSync(mdFile, 'utf8')).replace(/<(\/?)h[12]\b/g, '<$1h3') : undefined;
      return { name, json: JSON.parse(readFileSync(f, 'utf8')), html };
    });
  },
};
