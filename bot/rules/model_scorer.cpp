// Mirrors fastText 0.9.2's Dictionary::getLine, Model::computeHidden and the softmax loss's
// prediction for a line of space-separated tokens; each step below names the fastText code
// it follows, since a divergence shows only as slightly different scores.
#include "rules/model_scorer.hpp"

#include <fasttext/densematrix.h>
#include <fasttext/fasttext.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <unordered_map>


namespace incident_bot::detail {
namespace {

constexpr std::uint32_t fnv_offset = 2166136261u;
constexpr std::uint32_t fnv_prime = 16777619u;
constexpr std::uint64_t bigram_multiplier = 116049371u;

// Dictionary::hash: FNV-1a over the bytes, each sign-extended (int8_t) first.
constexpr std::uint32_t hash_byte(std::uint32_t h, char c) {
    return (h ^ static_cast<std::uint32_t>(static_cast<std::int8_t>(c))) * fnv_prime;
}

std::uint32_t hash_text(std::string_view s) {
    std::uint32_t h = fnv_offset;
    for (char c : s) h = hash_byte(h, c);
    return h;
}

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Dictionary::readWord's separators.
bool is_blank(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

// The pruned-bucket table is protected in fastText's Dictionary; a member pointer formed
// through a derived class reads it without copying the model again from its bytes.
struct dictionary_tables : fasttext::Dictionary {
    static const std::unordered_map<std::int32_t, std::int32_t>& pruned(
        const fasttext::Dictionary& d) {
        return d.*(&dictionary_tables::pruneidx_);
    }
    static bool is_pruned(const fasttext::Dictionary& d) {
        return d.*(&dictionary_tables::pruneidx_size_) >= 0;
    }
};

}  // namespace

model_scorer::model_scorer(const fasttext::FastText& ft,
                           std::shared_ptr<const fasttext::DenseMatrix> input)
    : input_(std::move(input)) {
    const fasttext::Args args = ft.getArgs();
    if (args.model != fasttext::model_name::sup || args.loss != fasttext::loss_name::softmax)
        throw std::runtime_error("not a softmax classifier; retrain it with incident-bot train");
    const auto dict = ft.getDictionary();
    const auto output = ft.getOutputMatrix();
    dim_ = static_cast<std::int32_t>(input_->cols());
    nwords_ = dict->nwords();
    minn_ = args.minn;
    maxn_ = args.maxn;
    word_ngrams_ = args.wordNgrams;
    buckets_ = static_cast<std::uint64_t>(args.bucket);
    if (output->cols() != dim_ || output->rows() != dict->nlabels())
        throw std::runtime_error("output layer does not match the labels");

    // pushHash: a bucket the model pruned has no row; the others moved to a compact index.
    pruned_ = dictionary_tables::is_pruned(*dict);
    if (pruned_) {
        bucket_rows_.assign(buckets_, -1);
        for (const auto& [bucket, index] : dictionary_tables::pruned(*dict))
            if (bucket >= 0 && static_cast<std::uint64_t>(bucket) < buckets_)
                bucket_rows_[static_cast<std::size_t>(bucket)] = nwords_ + index;
    }

    const auto d = static_cast<std::size_t>(dim_);
    word_sum_.assign(static_cast<std::size_t>(nwords_) * d, 0.0f);
    slots_.assign(std::bit_ceil(static_cast<std::size_t>(nwords_) * 2 + 1), -1);
    for (std::int32_t w = 0; w < nwords_; ++w) {
        const std::string text = dict->getWord(w);
        word_begin_.push_back(static_cast<std::uint32_t>(word_text_.size()));
        word_text_ += text;
        word_hash_.push_back(hash_text(text));
        // addSubwords for a known word: its own row plus its n-grams', precomputed.
        const auto& rows = dict->getSubwords(w);
        for (std::int32_t row : rows) add_row(row, &word_sum_[static_cast<std::size_t>(w) * d]);
        word_rows_.push_back(static_cast<std::uint32_t>(rows.size()));
        std::size_t slot = word_hash_.back() & (slots_.size() - 1);
        while (slots_[slot] >= 0) slot = (slot + 1) & (slots_.size() - 1);
        slots_[slot] = w;
    }
    word_begin_.push_back(static_cast<std::uint32_t>(word_text_.size()));
    output_.assign(output->data(), output->data() + output->rows() * output->cols());
}

void model_scorer::add_row(std::int32_t row, float* hidden) const {
    const float* r = input_->data() + static_cast<std::size_t>(row) * static_cast<std::size_t>(dim_);
    for (std::int32_t j = 0; j < dim_; ++j) hidden[j] += r[j];
}

std::int32_t model_scorer::bucket_row(std::uint64_t hash) const {
    const std::uint64_t bucket = hash % buckets_;
    if (!pruned_) return nwords_ + static_cast<std::int32_t>(bucket);
    return bucket_rows_[static_cast<std::size_t>(bucket)];
}

std::int32_t model_scorer::find_word(std::string_view word, std::uint32_t hash) const {
    for (std::size_t slot = hash & (slots_.size() - 1);; slot = (slot + 1) & (slots_.size() - 1)) {
        const std::int32_t w = slots_[slot];
        if (w < 0) return -1;
        const auto i = static_cast<std::size_t>(w);
        if (word_hash_[i] == hash &&
            std::string_view(word_text_).substr(word_begin_[i], word_begin_[i + 1] - word_begin_[i]) ==
                word)
            return w;
    }
}

// Dictionary::computeSubwords over "<" + word + ">": every n-gram of minn..maxn characters
// (UTF-8 sequences count as one), except a lone "<" or ">".
std::size_t model_scorer::add_subwords(std::string_view word, float* hidden) const {
    const std::size_t length = word.size() + 2;
    const auto at = [&](std::size_t k) {
        return k == 0 ? '<' : k == length - 1 ? '>' : word[k - 1];
    };
    std::size_t added = 0;
    for (std::size_t i = 0; i < length; ++i) {
        if (is_continuation(at(i))) continue;
        std::uint32_t h = fnv_offset;
        for (std::size_t j = i, n = 1; j < length && n <= static_cast<std::size_t>(maxn_); ++n) {
            h = hash_byte(h, at(j++));
            while (j < length && is_continuation(at(j))) h = hash_byte(h, at(j++));
            if (n < static_cast<std::size_t>(minn_) || (n == 1 && (i == 0 || j == length)))
                continue;
            const std::int32_t row = bucket_row(h);
            if (row < 0) continue;
            add_row(row, hidden);
            ++added;
        }
    }
    return added;
}

bool model_scorer::knows(std::string_view word) const {
    return find_word(word, hash_text(word)) >= 0;
}

const std::vector<float>& model_scorer::score(std::string_view line) const {
    thread_local std::vector<float> hidden;
    thread_local std::vector<std::int32_t> hashes;
    thread_local std::vector<float> probabilities;
    hidden.assign(static_cast<std::size_t>(dim_), 0.0f);
    hashes.clear();
    probabilities.clear();
    std::size_t rows = 0;
    const auto d = static_cast<std::size_t>(dim_);

    for (std::size_t pos = 0; pos < line.size();) {
        if (is_blank(line[pos])) {
            ++pos;
            continue;
        }
        std::size_t end = pos;
        while (end < line.size() && !is_blank(line[end])) ++end;
        const std::string_view token = line.substr(pos, end - pos);
        pos = end;
        if (token.starts_with("__label__")) continue;  // a label, not a word, to getLine
        const std::uint32_t h = hash_text(token);
        const std::int32_t w = find_word(token, h);
        if (w >= 0) {
            const float* sum = &word_sum_[static_cast<std::size_t>(w) * d];
            for (std::size_t j = 0; j < d; ++j) hidden[j] += sum[j];
            rows += word_rows_[static_cast<std::size_t>(w)];
        } else {
            rows += add_subwords(token, hidden.data());
        }
        hashes.push_back(static_cast<std::int32_t>(h));
    }
    // Dictionary::addWordNgrams: each hash widened as int32 to uint64 (sign-extended).
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        std::uint64_t h = static_cast<std::uint64_t>(hashes[i]);
        for (std::size_t j = i + 1; j < hashes.size() && j < i + static_cast<std::size_t>(word_ngrams_);
             ++j) {
            h = h * bigram_multiplier + static_cast<std::uint64_t>(hashes[j]);
            const std::int32_t row = bucket_row(h);
            if (row < 0) continue;
            add_row(row, hidden.data());
            ++rows;
        }
    }
    if (rows == 0) return probabilities;

    // Model::computeHidden's mean, then the softmax loss's output layer.
    const auto scale = static_cast<float>(1.0 / static_cast<double>(rows));
    for (float& v : hidden) v *= scale;
    const std::size_t labels = output_.size() / d;
    probabilities.resize(labels);
    float max = -INFINITY;
    for (std::size_t k = 0; k < labels; ++k) {
        float dot = 0.0f;
        for (std::size_t j = 0; j < d; ++j) dot += output_[k * d + j] * hidden[j];
        probabilities[k] = dot;
        max = std::max(max, dot);
    }
    float z = 0.0f;
    for (float& p : probabilities) z += (p = std::exp(p - max));
    for (float& p : probabilities) p /= z;
    return probabilities;
}

}  // namespace incident_bot::detail
