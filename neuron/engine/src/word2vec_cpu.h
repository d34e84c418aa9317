// Skip-gram with negative sampling on the CPU: a deterministic pair path and the fast corpus loop.
//
// Legend: V vocabulary size, D vector size, k negatives per pair, P pairs, N tokens, S sentences.
// Every matrix is row-major float32: W_in (V, D) the input vectors (the word vectors kept),
// W_out (V, D) the output vectors, both updated in place. A pair (w, o) trains W_in[w] to
// predict o; in a window w is a context word and o the centre, as in word2vec.c. Arguments are
// validated by word2vec_check_* below (the binding calls them); the training functions assume
// valid input.
#pragma once

#include <cstdint>

namespace neuron {

// One SGD step per pair, in order, on one thread, with the exact sigmoid 1/(1+exp(-s)):
//   v = W_in[c]; for each target t in [o, n_1..n_k] (a negative equal to o skipped), label l:
//     s = v.W_out[t]; g = alpha (l - sigmoid(s)); e += g W_out[t]; W_out[t] += g v
//   W_in[c] += e
// Returns the summed loss -log sigmoid(s_o) - sum log sigmoid(-s_n), in float64.
//   w_in, w_out: (V, D)   inputs, outputs: (P,)   negatives: (P, k)   alphas: (P,)
double word2vec_train_pairs_cpu(float* w_in, float* w_out, std::int64_t V, std::int64_t D,
                                const std::int32_t* inputs, const std::int32_t* outputs,
                                const std::int32_t* negatives, const float* alphas, std::int64_t P,
                                std::int64_t k);

// Settings of one train_corpus call.
struct Word2VecCorpusOptions {
  int window = 5;              // the largest window; each centre draws b uniform in {1..window}
  int negative = 5;            // k, negatives per (centre, context) pair
  double alpha_start = 0.025;  // learning rate at the first word of the call ...
  double alpha_end = 0.0001;   // ... decaying linearly to this at the last word
  std::uint64_t seed = 1;
  int threads = 1;
};

struct Word2VecStats {
  double loss = 0.0;            // summed pair loss (table log-sigmoid, float64 accumulation)
  std::int64_t pairs = 0;       // (centre, context) pairs trained
  std::int64_t words = 0;       // corpus words processed, including those subsampling dropped
  std::int64_t kept_words = 0;  // words that survived subsampling (gensim's "effective words")
  bool cancelled = false;       // control[2] was set before the call finished
};

// The whole skip-gram loop over a chunk of sentences: subsampling, dynamic windows, negatives
// drawn from `noise`, lock-free (Hogwild) updates from `threads` threads.
//   tokens: (N,) word ids, sentences concatenated; offsets: (S+1,) with offsets[0] = 0,
//   offsets[S] = N, non-decreasing; keep_prob: (V,) in [0, 1]; noise: (V,) non-negative weights
//   (normalised here); control: nullptr or (4,) int64 shared with the caller while the call runs:
//   [0] += words done, [1] += pairs done (relaxed atomic adds, about every 10k words per thread),
//   [2] non-zero asks the call to stop, [3] reserved.
Word2VecStats word2vec_train_corpus_cpu(float* w_in, float* w_out, std::int64_t V, std::int64_t D,
                                        const std::int32_t* tokens, std::int64_t N,
                                        const std::int64_t* offsets, std::int64_t S,
                                        const float* keep_prob, const double* noise,
                                        const Word2VecCorpusOptions& options,
                                        std::int64_t* control);

// Validation, shared by the binding and any C++ caller; each throws EngineError saying what was
// expected, what was got and how to fix it.
void word2vec_check_ids(const std::int32_t* ids, std::int64_t n, std::int64_t V, const char* name);
void word2vec_check_offsets(const std::int64_t* offsets, std::int64_t S, std::int64_t N);
void word2vec_check_keep_prob(const float* keep_prob, std::int64_t V);
void word2vec_check_noise(const double* noise, std::int64_t V);
void word2vec_check_options(const Word2VecCorpusOptions& options);

// The fast sigmoid and log-sigmoid of the corpus loop (exposed for accuracy tests):
//   out_sigmoid[i] = sigmoid(s[i]), out_log_sigmoid[i] = log sigmoid(s[i])
void word2vec_fast_sigmoid(const float* s, float* out_sigmoid, float* out_log_sigmoid,
                           std::int64_t n);

}  // namespace neuron
