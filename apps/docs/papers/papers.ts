// The seed papers (../shared/seeds/ of the project): what descent implements from each and how it
// was checked. Read by [paper].paths.ts, which makes one page per entry, and by the index page.

export interface Paper {
  slug: string;
  title: string;
  /** Venue / year as far as the seed page tells. */
  year: string;
  /** The paper in one or two sentences (our summary). */
  summary: string;
  /** 'implemented' | 'in progress' | 'not implemented' */
  status: 'implemented' | 'in progress' | 'not implemented';
  /** What descent implements from it (Markdown). */
  implements: string;
  /** How it was checked (Markdown): golden trajectories, acceptance numbers. */
  checked: string;
}

export const PAPERS: Paper[] = [
  {
    slug: 'diffgrad',
    title: 'diffGrad: An Optimization Method for Convolutional Neural Networks',
    year: '2019',
    summary:
      'Adam with a per-parameter "friction" ξ = sigmoid(|g_{t−1} − g_t|) multiplying the first moment, so steps shrink where the gradient changes slowly.',
    status: 'implemented',
    implements:
      '`diffgrad` and its building block `scaleByDiffGrad` in [@descent/optim](/guide/optim) (fused into one kernel per tensor); the paper\'s three synthetic 1-D functions as `diffGradF1..F3` in [@descent/zeroth](/guide/zeroth) and in the [playground](/playground).',
    checked: [
      '- The 25-step golden trajectories of the authors\' `diffGrad_v2.py` (float64) are reproduced at atol 1e-5 at every step, on the cpu and webgpu lanes, through the functional API, the runner in place and the tfjs-ops reference path (`packages/optim/test/golden.test.ts`).',
      '- The paper\'s synthetic check: from x₀ = −1 (lr 0.1, β₁ 0.95, 300 steps) diffGrad escapes the local minima of F1 and F2 that Adam ends in (`packages/optim/test/diffgrad.test.ts`).',
      '- Speed: a step on 10⁶ parameters is ~39× faster than `tf.train.adam` (45× at 10⁷), half the time of a hand-written loop: the fused CPU kernel runs as WebAssembly SIMD, `exp` included — [benchmarks](/bench/).',
    ].join('\n'),
  },
  {
    slug: 'adabelief',
    title: 'AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients',
    year: 'NeurIPS 2020',
    summary: 'Adam whose second moment tracks (g_t − m_t)², the "belief" in the gradient, instead of g_t².',
    status: 'implemented',
    implements:
      '`adabelief` and `scaleByBelief` in [@descent/optim](/guide/optim), following `adabelief_pytorch` 0.2.1 (decoupled weight decay, rectification and its fall-back to SGD on by default, as the reference).',
    checked: [
      '- Golden trajectories of the authors\' `adabelief_pytorch` 0.2.1 reproduced at atol 1e-5 over 25 steps on both lanes (`packages/optim/test/golden.test.ts`); other settings against a float64 oracle written from the reference equations.',
      '- Speed: ~85–100× `tf.train.adam` per step at 10⁶–10⁷ parameters (WebAssembly SIMD kernel) — [benchmarks](/bench/).',
    ].join('\n'),
  },
  {
    slug: 'lion',
    title: 'Symbolic Discovery of Optimization Algorithms (Lion)',
    year: 'NeurIPS 2023',
    summary: 'An optimizer found by program search: the update is the sign of an interpolation of momentum and gradient, with momentum tracked separately.',
    status: 'implemented',
    implements: '`lion` and `scaleByLion` in [@descent/optim](/guide/optim), as google/automl `lion_pytorch.py` (lucidrains\' decoupled weight decay as an option).',
    checked: [
      '- Golden trajectories (reference code, float64) at atol 1e-5 over 25 steps on both lanes (`packages/optim/test/golden.test.ts`).',
      '- Speed: ~125–145× `tf.train.adam` per step — [benchmarks](/bench/). In the [playground](/playground) Lion (lr 0.02) lowers Rosenbrock 211× in 300 steps from (−1.5, 2.5), on WebGPU in the browser (the e2e test checks ≥ 10×).',
    ].join('\n'),
  },
  {
    slug: 'lion-secretly-solves-constrained-optimization',
    title: 'Lion Secretly Solves Constrained Optimization: As Lyapunov Predicts',
    year: 'ICLR 2024',
    summary: 'A Lyapunov analysis of Lion-K: with decoupled weight decay λ, Lion solves min f(x) subject to ‖x‖∞ ≤ 1/λ.',
    status: 'implemented',
    implements: 'The constraint view is a property of `lion` with `weightDecay` and `decoupledWeightDecay` in [@descent/optim](/guide/optim); no separate algorithm.',
    checked: '- The paper\'s prediction is tested: Lion with decoupled weight decay λ keeps ‖x‖∞ ≤ 1/λ (`packages/optim/test/lion.test.ts`).',
  },
  {
    slug: 'gradient-is-all-you-need',
    title: 'Gradient is All You Need?',
    year: '2023',
    summary: 'Consensus-based optimization (CBO) read as a stochastic relaxation of gradient descent; introduces consensus hopping.',
    status: 'implemented',
    implements: '`cbo`, `consensusPoint`, `polarCbo`, `cbs` and `consensusHopping` in [@descent/zeroth](/guide/zeroth), with the ask/tell `Strategy` interface and batched independent runs; the CBO swarm in the [playground](/playground).',
    checked: [
      '- CBXpy\'s acceptance T1: anisotropic CBO on Rastrigin d = 20, N = 40, 100 runs, 5,000 steps — **100/100 runs** reach ‖x‖∞ < 0.25 (median 1.5e-4), target ≥ 95 %.',
      '- CBXpy\'s unit tests (consensus formula, exact noise-injected step, evaluation counts, stops, α = 1e5 without overflow) in `packages/zeroth/test/cbo.test.ts`.',
      '- Speed: ~0.5× a plain `Float32Array` loop of the same dynamics on the CPU backend — [benchmarks](/bench/).',
    ].join('\n'),
  },
  {
    slug: 'zo-rank-sgd',
    title: 'Zeroth-Order Optimization Meets Human Feedback: Provable Learning via Ranking Oracles',
    year: 'ICLR 2024',
    summary: 'ZO-RankSGD: a descent direction from rankings of perturbed points, so the oracle can be a person.',
    status: 'implemented',
    implements: '`zoRankSgd` (with `tellRanking`) in [@descent/zeroth](/guide/zeroth): the rank-based estimator over k(k−1)/2 + k(m−k) pairs.',
    checked: [
      '- Averaged estimate\'s cosine with the true gradient 0.99995 (d = 10); identical trajectories for f and exp(f) (rank invariance).',
      '- On ‖x‖², d = 100, final values ordered as the paper predicts: (10,10) 0.158 < (10,5) 0.264 < (5,5) 0.854 < (10,1) 2.65 < (2,1) 18.3 — [benchmarks](/bench/).',
    ].join('\n'),
  },
  {
    slug: 'fzoos',
    title: 'Federated Zeroth-Order Optimization using Trajectory-Informed Surrogate Gradients',
    year: '2023',
    summary: 'FZooS: federated zeroth-order optimization whose clients share random-feature GP surrogates of their objectives to correct local gradient estimates.',
    status: 'implemented',
    implements: '`fzoos`, the FedZO baseline `fedZo`, GP/random-feature surrogates and the `federatedQuadratic` problem in [@descent/zeroth](/guide/zeroth).',
    checked: '- On the federated quadratic (d = 50, 5 clients): gap to the optimum 0.006 at 2,450 queries against FedZO\'s 0.62 at 3,150 (test); over 50 rounds FZooS needs about half FedZO\'s queries to get within 0.01 (3,235 vs 6,300) — [benchmarks](/bench/).',
  },
  {
    slug: 'deep-neuroevolution',
    title: 'Deep Neuroevolution: Genetic Algorithms Are a Competitive Alternative for Training Deep Neural Networks for Reinforcement Learning',
    year: '2017',
    summary: 'A simple genetic algorithm (truncation selection, Gaussian mutation, elitism) trains deep networks; genomes are compact chains of random seeds.',
    status: 'implemented',
    implements: '`deepGa` and `genomeToParams` in [@descent/zeroth](/guide/zeroth), genomes as seed chains over descent\'s counter-based RNG.',
    checked: '- Rebuilding every genome reproduces the evaluated individual bit for bit; the elitist best never worsens (`packages/zeroth/test`).',
  },
  {
    slug: 'adadagrad',
    title: 'AdAdaGrad: Adaptive Batch Size Schemes for Adaptive Gradient Methods',
    year: '2024',
    summary: 'Grow the batch size when a norm or inner-product test on per-example gradients says the minibatch gradient is too noisy, for AdaGrad-type methods.',
    status: 'implemented',
    implements: '`adadagradBatchSize` (norm, inner-product, orthogonality and augmented inner-product tests) and `gradientStatistics` in [@descent/schedules](/guide/schedules), following `timlautk/AdAdaGrad` `tests.py`.',
    checked: '- Statistics and batch-size updates tested against the reference formulas (`packages/schedules/test`); the coordinate-wise norm test of the paper is not in the released code and not implemented.',
  },
  {
    slug: 'refined-schedules',
    title: 'When, Why and How Much? Adaptive Learning Rate Scheduling by Refinement',
    year: '2023',
    summary: 'Linear decay as the default schedule, and refining a schedule from the gradient norms of a previous run.',
    status: 'implemented',
    implements: '`linearDecay` and `refined` in [@descent/schedules](/guide/schedules), following the authors\' `find_schedule.py`.',
    checked: [
      '- Checked against the reference pipeline to 1e-12, and exact linear decay for constant norms.',
      '- A worked example (two small convex tasks) found **no improvement** over linear decay (+0.04 % loss on L1 regression, +20 % excess loss on least squares); the paper\'s gains are on deep-learning runs. See the [schedules guide](/guide/schedules).',
    ].join('\n'),
  },
  {
    slug: 'exact-augmented-lagrangian-sketching',
    title: 'Constrained Optimization via Exact Augmented Lagrangian and Randomized Iterative Sketching',
    year: 'ICML 2023',
    summary: 'An exact augmented Lagrangian merit function whose Newton systems are solved inexactly by randomized sketching.',
    status: 'implemented',
    implements:
      '`exactAugmentedLagrangianSketch` in [@descent/constrained](/guide/constrained) (also `solve(problem, { method: \'exact-al-sketch\' })`): the AdaSketch-Newton method — Newton–KKT steps on the exact augmented Lagrangian merit, the linear systems solved inexactly by randomized sketching (block Kaczmarz or Gaussian sketches, also exported as `randomizedKaczmarz`, `gaussianSketch`), adaptive penalties and an Armijo search; equality constraints, defaults from the reference code `IlgeeHong/AdaSketch-Newton`.',
    checked: 'All ten equality-only Hock–Schittkowski problems (HS6, 7, 27, 28, 39, 42, 46, 48, 51, 52) reach |f − f*| ≤ 1e-6·max(1, |f*|) and ‖c‖∞ ≤ 1e-6 with the default Kaczmarz sketch (`packages/constrained/test/exact-augmented-lagrangian-sketch.test.ts`); with Gaussian sketches nine of ten (HS46 needs a larger block). Departures from the released code (exact ∇²ₓL in the merit gradient, float32-aware stopping and Armijo tests, block sketches) are documented in the TSDoc and `packages/constrained/README.md`.',
  },
  {
    slug: 'lv-hba',
    title: 'Constrained Bi-Level Optimization: Proximal Lagrangian Value function Approach and Hessian-free Algorithm',
    year: 'ICLR 2024',
    summary: 'LV-HBA: a single-loop, Hessian-free method for bilevel problems whose lower level has coupled constraints.',
    status: 'implemented',
    implements:
      '`lvHba` in [@descent/constrained](/guide/constrained) on the `BilevelProblem` interface (`upper`, `lower`, `lowerIneq`, `lowerEq`, projections), single loop and Hessian-free (two `tf.grads` calls per iteration), with the coupled-equality toy `bilevelToys.llc(n)`.',
    checked: 'On `bilevelToys.llc(n)` with its closed-form optimum, after 5,000 iterations with the defaults: ‖x − x*‖/‖x*‖ = 5.8e-4 (n = 10) and 1.9e-4 (n = 100), |F − F*|/F* ≈ 8e-3 (the penalty\'s O(1/c_k) bias), within the acceptance bounds 5e-3 and 1e-2 (`packages/constrained/test/lv-hba.test.ts`). The authors\' printed defaults diverge on their own toy; the spec\'s re-verified constants are used.',
  },
  {
    slug: 'sso',
    title: 'Target-based Surrogates for Stochastic Optimization',
    year: 'ICML 2023',
    summary: 'Build surrogates in target space (e.g. logits) from one expensive gradient and minimise them with many cheap steps; SSO is projected SGD in target space.',
    status: 'in progress',
    implements: 'Specified for [@descent/constrained](/guide/constrained) (target-space surrogate steps); being written now.',
    checked: 'Acceptance numbers will be in `packages/constrained/README.md`.',
  },
  {
    slug: 'dadao',
    title: 'DADAO: Decoupled Accelerated Decentralized Asynchronous Optimization',
    year: 'ICML 2023',
    summary: 'Decentralised, asynchronous accelerated optimization where gradient and gossip events are independent Poisson processes.',
    status: 'in progress',
    implements: 'Specified (from the authors\' `optimizers.py`) for [@descent/constrained](/guide/constrained); being written now.',
    checked: 'Acceptance numbers will be in `packages/constrained/README.md`.',
  },
  {
    slug: 'two-layer-relu-global-optimization',
    title: 'Efficient Global Optimization of Two-layer ReLU Networks: Quadratic-time Algorithms and Adversarial Training',
    year: '2022',
    summary: 'Convex reformulation of two-layer ReLU training solved by ADMM, with adversarial-training variants.',
    status: 'in progress',
    implements: 'Specified (convex two-layer ReLU training via ADMM) for [@descent/constrained](/guide/constrained); being written now.',
    checked: 'Acceptance numbers will be in `packages/constrained/README.md`.',
  },
  {
    slug: 'gradient-normalized-smoothness',
    title: 'Gradient-Normalized Smoothness for Optimization with Approximate Hessians',
    year: 'ICLR 2026',
    summary: 'A smoothness notion that yields step sizes for second-order methods using approximate Hessians.',
    status: 'in progress',
    implements: 'Specified for [@descent/constrained](/guide/constrained); `hvp` (Hessian-vector products) is in [@descent/core](/guide/core).',
    checked: '`hvp` is tested against closed-form Hessians in `packages/core/test`; the method itself is being written.',
  },
  {
    slug: 'notears-topological-swaps',
    title: 'Optimizing NOTEARS Objectives via Topological Swaps',
    year: 'ICML 2023',
    summary: 'TOPO: search over topological orders with swaps, fitting each node on its predecessors, to reach KKT points of the NOTEARS program.',
    status: 'in progress',
    implements: 'Specified for [@descent/constrained](/guide/constrained); being written now.',
    checked: 'Acceptance numbers will be in `packages/constrained/README.md`.',
  },
  {
    slug: 'n-pg-igt-n-harpg',
    title: 'Stochastic Policy Gradient Methods: Improved Sample Complexity for Fisher-non-degenerate Policies',
    year: 'ICML 2023',
    summary: 'Normalized policy gradient with implicit gradient transport (N-PG-IGT) and with Hessian-aided recursive momentum (N-HARPG).',
    status: 'implemented',
    implements:
      '`trainNpgIgt` and `trainNHarpg` (also `train(\'npg-igt\' | \'n-harpg\', …)`) in [@descent/rl](/guide/rl), with the GPOMDP estimator and the pure pieces (`igtExtrapolate`, `npgIgtStep`, `harpgDirection`, `trajectoryHessianVector`); HARPG\'s Hessian-vector products are exact through core\'s `hvp`.',
    checked: '- CartPole-v1, 1e6 environment steps, deterministic evaluation on 20 episodes, seeds 0, 1, 2: N-PG-IGT 500, 500, 500; N-HARPG 500, 405.9, 500 — median 500 for both (gate ≥ 475), `packages/rl/accept/npg-igt-n-harpg-cartpole.mjs`.\n- The Hessian-vector product against the closed form of a linear-Gaussian policy and central differences. The paper\'s theorem constants were not available; step-size and momentum schedules are options with tuned CartPole presets (see `packages/rl/README.md`).',
  },
  {
    slug: 'mdpo',
    title: 'Mirror Descent Policy Optimization',
    year: 'ICLR 2022',
    summary: 'Policy optimization as mirror descent: several SGD steps on a KL-regularised surrogate per iteration (on- and off-policy).',
    status: 'implemented',
    implements:
      '`mdpoLoss` (with `diagonalGaussianKl`, `categoricalKl`, `mdpoStepSize`) and on- and off-policy trainers (`train(\'mdpo-on\' | \'mdpo-off\', …)`) in [@descent/rl](/guide/rl).',
    checked: 'Loss and KL terms against hand-computed values in `packages/rl/test/mdpo-on.test.ts` and `mdpo-off.test.ts`. Acceptance numbers: `packages/rl/README.md`.',
  },
  {
    slug: 'lpo',
    title: 'Discovering Temporally-Aware Reinforcement Learning Algorithms',
    year: 'ICLR 2024',
    summary: 'Meta-learned policy-optimization objectives (LPO/TA-LPO) whose drift depends on training progress.',
    status: 'implemented',
    implements:
      'The learned drift (`dpoDrift`, `driftLoss`, `train(\'dpo-drift\', …)`) and the temporally-aware TA-LPO drift (`taLpoDrift`, `trainTaLpo`) in [@descent/rl](/guide/rl).',
    checked: 'Drift functions against their closed forms in `packages/rl/test/lpo.test.ts`. Acceptance numbers: `packages/rl/README.md`.',
  },
  {
    slug: 'copo',
    title: 'COPO: Consistency-Aware Policy Optimization',
    year: '2025',
    summary: 'GRPO-style RL for language models that keeps a learning signal when all samples of a prompt agree, via a consistency-aware global reward.',
    status: 'implemented',
    implements:
      '`consistencyReward`, `copoAdvantages`, `copoBlendWeight` and `copoLoss` in [@descent/rl](/guide/rl), with the GRPO family\'s `groupAdvantages`, `policyLoss` (GRPO, DAPO, Dr. GRPO) and `dynamicSampling`; a built-in addition task (`additionTask`) exercises them end to end.',
    checked: 'Unit tests against hand-computed advantages and losses in `packages/rl/test/copo.test.ts`, `group-advantages.test.ts`, `policy-loss.test.ts`; end-to-end on the addition task (`packages/rl/test/grpo-sequence-training.test.ts`, `accept/grpo-e2e.mjs`).',
  },
  {
    slug: 'knapsack-rl',
    title: 'Knapsack RL: Unlocking Exploration of LLMs via Optimizing Budget Allocation',
    year: '2025',
    summary: 'Allocate rollout budgets across prompts by solving a knapsack problem over their expected learning value.',
    status: 'implemented',
    implements:
      '`knapsackValue`, `knapsackMarginalValue`, `knapsackBudgets` and `knapsackObjective` (with `SuccessRateTracker` for the per-prompt success rates) in [@descent/rl](/guide/rl); `groupAdvantages` accepts the resulting variable group sizes.',
    checked: 'Value and marginal value against the closed form Value(N, p) = (1 − pᴺ − (1 − p)ᴺ)·p(1 − p)²; budgets sum to the total and respect the bounds (`packages/rl/test/knapsack-budgets.test.ts`).',
  },
  {
    slug: 'gain-rl',
    title: "Angles Don't Lie: Unlocking Training-Efficient RL Through the Model's Own Signals",
    year: '2025',
    summary: 'GAIN-RL: order training data by the angle concentration of the model\'s own hidden states to pick informative samples.',
    status: 'implemented',
    implements:
      '`angleConcentration`, `sortByAngle` and `GainRlSampler` in [@descent/rl](/guide/rl).',
    checked: 'Angle concentration and ordering against hand-computed cases in `packages/rl/test/gain-rl.test.ts`.',
  },
  {
    slug: 'double-descent-optimization',
    title: 'Understanding the Role of Optimization in Double Descent',
    year: '2023',
    summary: 'Model-wise double descent appears only when the optimizer reaches a low-loss minimum; conditioning decides its height.',
    status: 'not implemented',
    implements: 'An empirical study, not an algorithm: nothing to implement. Its experiments can be reproduced with `@descent/optim` optimizers and `apps/bench`.',
    checked: '—',
  },
  {
    slug: 'grokking-scaling-laws',
    title: 'Provable Scaling Laws of Feature Emergence from Learning Dynamics of Grokking',
    year: '2025',
    summary: 'A theory of grokking as staged feature learning, with scaling laws for when features emerge.',
    status: 'not implemented',
    implements: 'A theoretical analysis: no algorithm in descent.',
    checked: '—',
  },
  {
    slug: 'hessian-over-parametrized',
    title: 'Empirical Analysis of the Hessian of Over-Parametrized Neural Networks',
    year: '2017',
    summary: 'The Hessian spectrum of trained networks is a bulk near zero plus a few outliers tied to the data.',
    status: 'not implemented',
    implements: 'Not an optimizer. The tool such studies need, Hessian-vector products (`hvp`), is in [@descent/core](/guide/core).',
    checked: '`hvp` is tested against closed-form Hessians (`packages/core/test`).',
  },
  {
    slug: 'programmable-variational-inference',
    title: 'Probabilistic Programming with Programmable Variational Inference',
    year: 'PLDI 2024',
    summary: 'Composable gradient estimators for variational objectives in a probabilistic programming system.',
    status: 'not implemented',
    implements: 'Out of descent\'s scope (a probabilistic-programming system); not implemented.',
    checked: '—',
  },
  {
    slug: 'optimizers-qualitatively-alter-solutions',
    title: 'Optimizers Qualitatively Alter Solutions And We Should Leverage This',
    year: '2025',
    summary: 'A position paper: the choice of optimizer shapes which solution is found, not only how fast.',
    status: 'not implemented',
    implements: 'No algorithm; the [playground](/playground) and `pnpm demo` (an optimizer shoot-out on MNIST digits) show the effect.',
    checked: '—',
  },
  {
    slug: 'dale-meets-langevin',
    title: 'Dale meets Langevin: A Multiplicative Denoising Diffusion Model',
    year: '2025',
    summary: 'A diffusion model with multiplicative (geometric Brownian motion) noise, inspired by Dale\'s law.',
    status: 'not implemented',
    implements: 'Out of scope (a generative model); not implemented.',
    checked: '—',
  },
  {
    slug: 'transformers-higher-order-optimization',
    title: 'Transformers Learn Higher-Order Optimization Methods for In-Context Learning: A Study with Linear Models',
    year: '2024',
    summary: 'Transformers solving in-context linear regression behave like iterative Newton\'s method rather than gradient descent.',
    status: 'not implemented',
    implements: 'An analysis of transformers; not implemented.',
    checked: '—',
  },
  {
    slug: 'gradient-boosting-sequential-training',
    title: 'Sequential Training of Neural Networks with Gradient Boosting',
    year: '2023',
    summary: 'Train a network in sequential blocks with gradient boosting.',
    status: 'not implemented',
    implements: 'Not implemented.',
    checked: '—',
  },
  {
    slug: 'learnable-codebooks',
    title: 'Network Memory Footprint Compression Through Jointly Learnable Codebooks and Mappings',
    year: '2023',
    summary: 'Compress network weights by learning codebooks and the mappings into them jointly.',
    status: 'not implemented',
    implements: 'Out of scope (model compression); not implemented.',
    checked: '—',
  },
  {
    slug: 'simplicity-bias',
    title: 'Changing the Training Data Distribution to Reduce Simplicity Bias Improves In-distribution Generalization',
    year: 'NeurIPS 2024',
    summary: 'USEFUL: upsample the examples learned late in training to reduce simplicity bias; SAM-like effects without SAM.',
    status: 'not implemented',
    implements: 'A data-distribution method; not implemented.',
    checked: '—',
  },
];
