// A throwaway certificate authority and server certificates for the fake Slack, made per
// run with OpenSSL (EC P-256, so it is quick).
#pragma once

#include <string>
#include <vector>

namespace incident_bot::demo {

/// PEM text of a key and its certificate.
struct pem_pair {
    std::string key;
    std::string cert;
};

/// A CA that can sign server certificates.
class throwaway_ca {
public:
    explicit throwaway_ca(const std::string& common_name = "incident-bot test CA");
    ~throwaway_ca();
    throwaway_ca(const throwaway_ca&) = delete;
    throwaway_ca& operator=(const throwaway_ca&) = delete;

    /// PEM of the CA certificate (what clients trust).
    const std::string& cert_pem() const { return cert_pem_; }
    /// Issues a server certificate for `dns_names` and `ips` (subjectAltName).
    pem_pair issue(const std::vector<std::string>& dns_names,
                   const std::vector<std::string>& ips) const;

private:
    void* key_ = nullptr;   // EVP_PKEY*
    void* cert_ = nullptr;  // X509*
    std::string cert_pem_;
};

/// Writes `text` to a new file in the temp directory and returns its path.
std::string write_temp_file(const std::string& prefix, const std::string& text);

}  // namespace incident_bot::demo
