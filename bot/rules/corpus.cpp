#include "incident_bot/rules/corpus.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "incident_bot/rules/engine.hpp"
#include "rules/read_file.hpp"

namespace incident_bot {
namespace {

bool known(std::string_view kind, bool blame) {
    if (blame)
        return std::find(rule_categories.begin(), rule_categories.end(), kind) !=
               rule_categories.end();
    return std::find(ok_kinds.begin(), ok_kinds.end(), kind) != ok_kinds.end();
}

std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
            out.push_back('\n');
            ++i;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

}  // namespace

void parse_corpus(std::string_view text, std::string_view name, std::vector<labeled_line>& out) {
    std::size_t number = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        const std::string where = std::string(name) + ":" + std::to_string(number);
        const auto t1 = line.find('\t');
        const auto t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
        if (t2 == std::string_view::npos)
            throw corpus_error(where + ": expected label<TAB>kind<TAB>text");
        const std::string_view label = line.substr(0, t1);
        const std::string_view kind = line.substr(t1 + 1, t2 - t1 - 1);
        if (label != "blame" && label != "ok")
            throw corpus_error(where + ": label must be blame or ok, not \"" +
                               std::string(label) + "\"");
        const bool blame = label == "blame";
        if (!known(kind, blame))
            throw corpus_error(where + ": \"" + std::string(kind) + "\" is not a kind of " +
                               std::string(label) + " line (config/corpus/LABELING.md)");
        const std::string_view body = line.substr(t2 + 1);
        if (body.empty() || body.find('\t') != std::string_view::npos)
            throw corpus_error(where + ": the text must be non-empty and hold no TAB");
        out.push_back({blame, std::string(kind), unescape(body), where});
    }
}

std::vector<labeled_line> read_corpus(const std::vector<std::string>& paths) {
    std::vector<labeled_line> out;
    for (const auto& path : paths) {
        std::error_code ec;
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_directory(path, ec)) {
            for (const auto& e : std::filesystem::directory_iterator(path, ec))
                if (e.path().extension() == ".tsv") files.push_back(e.path());
            if (ec) throw corpus_error(path + ": " + ec.message());
            std::sort(files.begin(), files.end());
            if (files.empty()) throw corpus_error(path + ": no .tsv files");
        } else {
            files.emplace_back(path);
        }
        for (const auto& f : files)
            parse_corpus(detail::read_file<corpus_error>(f.string(), "corpus file"), f.string(), out);
    }
    return out;
}

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0xF]);
    }
    return out;
}

std::string corpus_digest(const std::vector<labeled_line>& lines) {
    std::string all;
    for (const auto& l : lines) {
        all += l.blame ? "blame\t" : "ok\t";
        all += l.kind;
        all += '\t';
        all += l.text;
        all += '\0';  // texts may hold line breaks, never NUL
    }
    return sha256_hex(all);
}

}  // namespace incident_bot
