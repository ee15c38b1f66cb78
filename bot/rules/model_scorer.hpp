// Scoring a supervised fastText model without fastText's per-message work. fastText reads a
// message through an istream, looks every word up, copies each word's subword ids into a
// vector and sums all those rows (about 600 for a long message). The scorer reads the
// model's tables out once: each dictionary word's rows pre-summed into one vector, and an
// array from hash bucket to row for the subwords of unknown words and the word bigrams.
// A message then costs one vector add per known word. The sums are fastText's own, in
// another order: scores agree with fastText's to float rounding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fasttext {
class FastText;
class DenseMatrix;
}  // namespace fasttext

namespace incident_bot::detail {

class model_scorer {
public:
    /// Reads `ft`'s dictionary and output layer; `input` is its input matrix, dense. Throws
    /// std::runtime_error when the model is not a softmax classifier (what `incident-bot
    /// train` makes).
    model_scorer(const fasttext::FastText& ft, std::shared_ptr<const fasttext::DenseMatrix> input);

    /// The probability of each label for a line of space-separated tokens (model_input's
    /// output), in label order; empty when the line has nothing the model knows. The vector
    /// is this thread's scratch: valid until the thread's next call.
    const std::vector<float>& score(std::string_view line) const;
    /// Whether `word` is in the model's dictionary.
    bool knows(std::string_view word) const;

private:
    /// Adds the rows of an unknown word's character n-grams; returns how many it added.
    std::size_t add_subwords(std::string_view word, float* hidden) const;
    /// The row of a hashed subword or bigram, or -1 when the model pruned that bucket.
    std::int32_t bucket_row(std::uint64_t hash) const;
    std::int32_t find_word(std::string_view word, std::uint32_t hash) const;
    void add_row(std::int32_t row, float* hidden) const;

    std::shared_ptr<const fasttext::DenseMatrix> input_;
    std::int32_t dim_ = 0;
    std::int32_t nwords_ = 0;
    std::int32_t minn_ = 0;
    std::int32_t maxn_ = 0;
    std::int32_t word_ngrams_ = 1;
    std::uint64_t buckets_ = 0;
    bool pruned_ = false;
    std::vector<std::int32_t> bucket_rows_;  // when pruned_: bucket -> row or -1
    // Dictionary words: their text (one string, offsets), hash, pre-summed rows and row count.
    std::string word_text_;
    std::vector<std::uint32_t> word_begin_;
    std::vector<std::uint32_t> word_hash_;
    std::vector<float> word_sum_;
    std::vector<std::uint32_t> word_rows_;
    std::vector<std::int32_t> slots_;  // open addressing on the word hash: word id or -1
    std::vector<float> output_;        // labels x dim
};

}  // namespace incident_bot::detail
