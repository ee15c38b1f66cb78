// Reading a whole rule, model or corpus file, with the caller's error type, so a message says
// which file and what it was ("x.json: cannot open rule file").
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace incident_bot::detail {

template <typename Error>
std::string read_file(const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open " + std::string(what));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(path + ": cannot read " + std::string(what));
    return text.str();
}

}  // namespace incident_bot::detail
