import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import Playground from './components/Playground.vue';
import BenchResults from './components/BenchResults.vue';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('Playground', Playground);
    app.component('BenchResults', BenchResults);
  },
} satisfies Theme;
