import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';

const here = fileURLToPath(new URL('.', import.meta.url));
const apiSidebarFile = `${here}../api/typedoc-sidebar.json`;
// The API reference is generated (`pnpm docs` runs typedoc first); without it the site still builds.
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(apiSidebarFile) ? JSON.parse(readFileSync(apiSidebarFile, 'utf8')) : [];

/**
 * `useBackend()` of @descent/core loads backends and gradients with `import(name)` of a bare
 * package name (so bundlers skip optional packages). Browsers resolve bare names only through an
 * import map; the page bundle registers all three itself, so each name maps to an empty module.
 */
const importMap = {
  imports: Object.fromEntries(
    ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-core/dist/register_all_gradients'].map((n) => [
      n,
      '/descent-shims/registered.js',
    ]),
  ),
};

const importMapTag = `<script type="importmap">${JSON.stringify(importMap)}</script>`;

/**
 * One API sidebar per package: the generated sidebar lists ~600 pages, and VitePress renders the
 * whole sidebar into every page's HTML, so each package's pages get only that package's tree.
 */
const apiSidebars: Record<string, DefaultTheme.SidebarItem[]> = Object.fromEntries(
  apiSidebar.map((pkg) => {
    const top = apiSidebar.map((p) => ({ text: p.text, link: p.link }));
    const mine = top.map((p) => (p.link === pkg.link ? { ...pkg, collapsed: false } : p));
    return [(pkg.link ?? '').replace(/\/$/, '') + '/', [{ text: 'API reference', link: '/api/', items: mine }]];
  }),
);

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: '@descent/core', link: '/guide/core' },
      { text: '@descent/optim', link: '/guide/optim' },
      { text: '@descent/schedules', link: '/guide/schedules' },
      { text: '@descent/zeroth', link: '/guide/zeroth' },
      { text: '@descent/constrained', link: '/guide/constrained' },
      { text: '@descent/rl', link: '/guide/rl' },
    ],
  },
  { text: 'Playground', items: [{ text: 'Live playground', link: '/playground' }] },
  { text: 'Benchmarks', items: [{ text: 'Benchmark results', link: '/bench/' }] },
  { text: 'Papers', items: [{ text: 'Seed papers', link: '/papers/' }] },
];

export default defineConfig({
  title: 'descent',
  description: 'Composable optimization algorithms for TypeScript on tfjs: CPU and WebGPU, in the browser and in Node.',
  cleanUrls: true,
  // Site data (the sidebars list ~600 API pages) goes into one shared chunk instead of every page's HTML.
  metaChunk: true,
  lastUpdated: false,
  srcExclude: ['README.md', 'test/**', 'test-results/**', 'src/**', 'scripts/**', 'bench/data/**'],
  // The dev server adds head tags from the client; the built pages get the map first in <head> (below), because
  // a browser may ignore an import map that follows module scripts.
  head: [['script', { type: 'importmap' }, JSON.stringify(importMap)]],
  transformHtml: (code) => code.replace(importMapTag, '').replace('<head>', `<head>\n    ${importMapTag}`),
  markdown: { math: true },
  // Hand-written pages link absolutely ('/guide/…') and stay checked. The generated API pages link relatively, and a
  // TSDoc comment such as "[a](x − r)" in any package would otherwise fail the whole build.
  ignoreDeadLinks: [(url: string) => !url.startsWith('/')],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Playground', link: '/playground' },
      { text: 'Benchmarks', link: '/bench/' },
      { text: 'Papers', link: '/papers/' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/guide/': guide,
      '/papers/': guide,
      '/bench/': guide,
      '/playground': guide,
      ...apiSidebars,
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar.map((p) => ({ text: p.text, link: p.link })) }],
    },
    search: { provider: 'local' },
    outline: 'deep',
  },
  vite: {
    // Workspace packages resolve to their TypeScript sources, as in the tests: no build needed first.
    resolve: {
      conditions: ['@descent/source'],
      // zeroth's worker-pool evaluator is Node-only; the page bundle gets a stub instead of piscina.
      alias: { piscina: `${here}piscina-unavailable.ts` },
    },
    ssr: { resolve: { conditions: ['@descent/source'] } },
    build: { chunkSizeWarningLimit: 4096 },
  },
});
