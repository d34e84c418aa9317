// Skip-gram with negative sampling on the CPU: the deterministic pair path, argument checks, the
// shared tables of the corpus loop and its threads. The loop itself is word2vec_loop.h.
//
// Threads (train_corpus): the N tokens are cut into `threads` contiguous ranges of N/threads
// tokens, one std::thread each (the caller runs range 0). A sentence that straddles a cut is
// trained as two pieces, so at most threads - 1 windows per call lose a few contexts. Updates to
// W_in and W_out are lock-free (Hogwild, Recht et al. 2011): two threads may update one row at
// once and one of the additions can be lost; with sparse updates this costs no accuracy, and it
// is what word2vec.c and gensim do. With threads = 1 the call is deterministic.
//
// Speed: see word2vec_loop.h (4.0x gensim 4.4 with one thread, 2.7x with two, on the project's
// corpora; neuron.word2vec.bench.compare measures it).
#include "word2vec_cpu.h"

#include <cmath>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cpu_features.h"
#include "errors.h"
#include "word2vec_kernels.h"
#include "word2vec_loop.h"

namespace neuron {
namespace {

// ---- the exact functions of the deterministic path ----------------------------------------------

// log sigmoid(x) = -log(1 + exp(-x)), stable for any sign of x.
double log_sigmoid(double x) {
  return x >= 0.0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

// ---- tables -------------------------------------------------------------------------------------

// Built once per process: q(x) = sigmoid(-x) and log sigmoid(x) at the cell edges, in float64.
const SigmoidCell* sigmoid_table() {
  static const std::vector<SigmoidCell> table = [] {
    std::vector<SigmoidCell> cells(kSigmoidCells + 1);
    auto x_at = [](int i) {
      return static_cast<double>(i) / kSigmoidCellsPerUnit - static_cast<double>(kSigmoidRange);
    };
    auto q_at = [](double x) { return 1.0 / (1.0 + std::exp(x)); };
    for (int i = 0; i <= kSigmoidCells; ++i) {
      const double x0 = x_at(i);
      const double x1 = x_at(i + 1);
      const bool last = i == kSigmoidCells;
      cells[i].q = static_cast<float>(q_at(x0));
      cells[i].q_step = last ? 0.0f : static_cast<float>(q_at(x1) - q_at(x0));
      cells[i].l = static_cast<float>(log_sigmoid(x0));
      cells[i].l_step = last ? 0.0f : static_cast<float>(log_sigmoid(x1) - log_sigmoid(x0));
    }
    return cells;
  }();
  return table.data();
}

// Vose's construction of Walker's alias table from non-negative weights (V,), O(V).
std::vector<AliasEntry> alias_table(const double* weights, std::int64_t V) {
  double total = 0.0;
  for (std::int64_t i = 0; i < V; ++i) total += weights[i];

  std::vector<double> scaled(V);  // (V,) mean 1
  std::vector<std::int32_t> small, large;
  small.reserve(V);
  large.reserve(V);
  for (std::int64_t i = 0; i < V; ++i) {
    scaled[i] = weights[i] * static_cast<double>(V) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::int32_t>(i));
  }

  std::vector<AliasEntry> table(V);
  auto threshold = [](double p) {
    const double t = std::ldexp(p, 32);
    return t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(t);
  };
  while (!small.empty() && !large.empty()) {
    const std::int32_t s = small.back();
    small.pop_back();
    const std::int32_t l = large.back();
    table[s] = {threshold(scaled[s]), l};
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left holds probability 1 up to rounding.
  for (std::int32_t i : large) table[i] = {0xFFFFFFFFu, i};
  for (std::int32_t i : small) table[i] = {0xFFFFFFFFu, i};
  return table;
}

std::string position_string(std::int64_t i) { return std::to_string(i); }

}  // namespace

// ---- checks -------------------------------------------------------------------------------------

void word2vec_check_ids(const std::int32_t* ids, std::int64_t n, std::int64_t V, const char* name) {
  for (std::int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= V) {
      throw EngineError(ErrorKind::InvalidArgument,
                        std::string("expected ") + name + " to hold word ids in [0, " +
                            std::to_string(V) + ") (the rows of w_in), got " +
                            std::to_string(ids[i]) + " at flat index " + position_string(i) +
                            "; encode with the vocabulary the vectors were made for");
    }
  }
}

void word2vec_check_offsets(const std::int64_t* offsets, std::int64_t S, std::int64_t N) {
  if (offsets[0] != 0 || offsets[S] != N) {
    throw EngineError(
        ErrorKind::InvalidArgument,
        "expected offsets to start at 0 and end at len(tokens) = " + std::to_string(N) + ", got " +
            std::to_string(offsets[0]) + " and " + std::to_string(offsets[S]) +
            "; offsets are the S+1 sentence boundaries, e.g. [0, 7, 12]");
  }
  for (std::int64_t i = 0; i < S; ++i) {
    if (offsets[i + 1] < offsets[i]) {
      throw EngineError(ErrorKind::InvalidArgument,
                        "expected non-decreasing offsets, got " + std::to_string(offsets[i]) +
                            " then " + std::to_string(offsets[i + 1]) + " at index " +
                            std::to_string(i) + "; build them with np.cumsum of sentence lengths");
    }
  }
}

void word2vec_check_keep_prob(const float* keep_prob, std::int64_t V) {
  for (std::int64_t i = 0; i < V; ++i) {
    if (!(keep_prob[i] >= 0.0f && keep_prob[i] <= 1.0f)) {
      throw EngineError(ErrorKind::InvalidArgument,
                        "expected keep_prob in [0, 1], got " + std::to_string(keep_prob[i]) +
                            " for word " + std::to_string(i) +
                            "; use Vocabulary.keep_probabilities(sample)");
    }
  }
}

void word2vec_check_noise(const double* noise, std::int64_t V) {
  double total = 0.0;
  for (std::int64_t i = 0; i < V; ++i) {
    if (!(noise[i] >= 0.0 && std::isfinite(noise[i]))) {
      throw EngineError(ErrorKind::InvalidArgument,
                        "expected a noise distribution of finite non-negative weights, got " +
                            std::to_string(noise[i]) + " for word " + std::to_string(i) +
                            "; use Vocabulary.noise_distribution()");
    }
    total += noise[i];
  }
  if (!(total > 0.0)) {
    throw EngineError(ErrorKind::InvalidArgument,
                      "expected a noise distribution with a positive sum, got all zeros; use "
                      "Vocabulary.noise_distribution()");
  }
}

void word2vec_check_options(const Word2VecCorpusOptions& o) {
  auto fail = [](const std::string& message) {
    throw EngineError(ErrorKind::InvalidArgument, message);
  };
  if (o.window < 1) fail("expected window >= 1, got " + std::to_string(o.window) + "; try 5");
  if (o.negative < 0) {
    fail("expected negative >= 0, got " + std::to_string(o.negative) + "; try 5");
  }
  if (o.threads < 1 || o.threads > 1024) {
    fail("expected threads between 1 and 1024, got " + std::to_string(o.threads) +
         "; try neuron.engine.num_threads()");
  }
  if (!(std::isfinite(o.alpha_start) && std::isfinite(o.alpha_end) && o.alpha_start >= 0.0 &&
        o.alpha_end >= 0.0)) {
    fail("expected finite non-negative alpha_start and alpha_end, got " +
         std::to_string(o.alpha_start) + " and " + std::to_string(o.alpha_end) +
         "; try 0.025 and 0.0001");
  }
}

// ---- the deterministic pair path ----------------------------------------------------------------

double word2vec_train_pairs_cpu(float* w_in, float* w_out, std::int64_t V, std::int64_t D,
                                const std::int32_t* inputs, const std::int32_t* outputs,
                                const std::int32_t* negatives, const float* alphas, std::int64_t P,
                                std::int64_t k) {
  (void)V;
  std::vector<float> e(D);  // (D,) the pair's update of v
  double loss = 0.0;
  for (std::int64_t p = 0; p < P; ++p) {
    float* v = w_in + static_cast<std::int64_t>(inputs[p]) * D;  // (D,)
    const std::int32_t o = outputs[p];
    const float alpha = alphas[p];
    std::fill(e.begin(), e.end(), 0.0f);

    for (std::int64_t t = -1; t < k; ++t) {
      const std::int32_t target = t < 0 ? o : negatives[p * k + t];
      if (t >= 0 && target == o) continue;  // a negative equal to the output word is skipped
      const double label = t < 0 ? 1.0 : 0.0;
      float* u = w_out + static_cast<std::int64_t>(target) * D;  // (D,)

      float s = 0.0f;
      for (std::int64_t j = 0; j < D; ++j) s += v[j] * u[j];
      const double sigmoid = 1.0 / (1.0 + std::exp(-static_cast<double>(s)));
      const float g = static_cast<float>(alpha * (label - sigmoid));
      loss -= t < 0 ? log_sigmoid(s) : log_sigmoid(-static_cast<double>(s));

      for (std::int64_t j = 0; j < D; ++j) e[j] += g * u[j];
      for (std::int64_t j = 0; j < D; ++j) u[j] += g * v[j];
    }
    for (std::int64_t j = 0; j < D; ++j) v[j] += e[j];
  }
  return loss;
}

// ---- the corpus loop ----------------------------------------------------------------------------

Word2VecThreadFn word2vec_thread_for(SimdLevel level) {
#if defined(NEURON_HAVE_AVX2)
  if (level == SimdLevel::Avx2 || level == SimdLevel::Avx512) return word2vec_thread_avx2;
#endif
  (void)level;
  return word2vec_thread_scalar;
}

Word2VecStats word2vec_train_corpus_cpu(float* w_in, float* w_out, std::int64_t V, std::int64_t D,
                                        const std::int32_t* tokens, std::int64_t N,
                                        const std::int64_t* offsets, std::int64_t S,
                                        const float* keep_prob, const double* noise,
                                        const Word2VecCorpusOptions& options,
                                        std::int64_t* control) {
  Word2VecStats stats;
  if (N == 0 || V == 0) {
    stats.cancelled = control != nullptr && control[2] != 0;
    return stats;
  }
  const std::vector<AliasEntry> sampler = alias_table(noise, V);

  Word2VecShared shared;
  shared.w_in = w_in;
  shared.w_out = w_out;
  shared.V = V;
  shared.D = D;
  shared.tokens = tokens;
  shared.N = N;
  shared.offsets = offsets;
  shared.S = S;
  shared.keep_prob = keep_prob;
  shared.noise = sampler.data();
  shared.sigmoid = sigmoid_table();
  shared.window = options.window;
  shared.negative = options.negative;
  shared.alpha_start = static_cast<float>(options.alpha_start);
  shared.alpha_end = static_cast<float>(options.alpha_end);
  shared.seed = options.seed;
  shared.threads = static_cast<int>(std::min<std::int64_t>(options.threads, N));
  shared.control = control;
  if (control != nullptr && control[2] != 0) shared.stop.store(true);

  const Word2VecThreadFn run = word2vec_thread_for(active_simd_level());
  std::vector<Word2VecThreadResult> results(shared.threads);
  std::vector<std::thread> workers;
  try {
    for (int t = 1; t < shared.threads; ++t) {
      workers.emplace_back([&, t] { results[t] = run(shared, t); });
    }
  } catch (const std::system_error& error) {
    shared.stop.store(true);
    for (auto& w : workers) w.join();
    throw EngineError(ErrorKind::Runtime,
                      std::string("expected to start ") + std::to_string(shared.threads) +
                          " threads, got an error: " + error.what() + "; pass fewer threads");
  }
  results[0] = run(shared, 0);
  for (auto& w : workers) w.join();

  for (const auto& r : results) {
    stats.loss += r.loss;
    stats.pairs += r.pairs;
    stats.words += r.words;
    stats.kept_words += r.kept_words;
  }
  stats.cancelled = shared.stop.load();
  return stats;
}

void word2vec_fast_sigmoid(const float* s, float* out_sigmoid, float* out_log_sigmoid,
                           std::int64_t n) {
  const SigmoidCell* table = sigmoid_table();
  for (std::int64_t i = 0; i < n; ++i) {
    // q = sigmoid(-x), so sigmoid(x) = q at -x.
    const float x = s[i];
    float q_neg, l_neg, q_pos, l_pos;
    sigmoid_lookup(table, -x, &q_neg, &l_neg);
    sigmoid_lookup(table, x, &q_pos, &l_pos);
    out_sigmoid[i] = q_neg;
    out_log_sigmoid[i] = l_pos;
  }
}

}  // namespace neuron
