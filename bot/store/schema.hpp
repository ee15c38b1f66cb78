// The ordered schema migrations of the store. Internal: store.cpp applies them, and the
// tests use them to build files at older versions.
#pragma once

#include <span>

namespace incident_bot::detail {

/// One step of the schema: running `sql` on a database at `version - 1` yields `version`.
struct migration {
    /// The `user_version` after this step.
    int version;
    /// Statements to run, inside the migration transaction.
    const char* sql;
};

/// All migrations, oldest first, versions 1, 2, ... without gaps.
std::span<const migration> migrations();

}  // namespace incident_bot::detail
