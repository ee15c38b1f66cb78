#include "demo/throwaway_ca.hpp"

#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace incident_bot::demo {

namespace {

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

EVP_PKEY* new_key() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    check(key != nullptr, "EC key generation");
    return key;
}

std::string to_pem(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

std::string to_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "certificate extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

X509* new_cert(EVP_PKEY* key, const std::string& cn) {
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    static std::mt19937_64 serials(std::random_device{}());
    ASN1_INTEGER_set_int64(X509_get_serialNumber(cert), static_cast<int64_t>(serials() >> 2));
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    return cert;
}

}  // namespace

throwaway_ca::throwaway_ca(const std::string& common_name) {
    auto* key = new_key();
    X509* cert = new_cert(key, common_name);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert, cert, NID_subject_key_identifier, "hash");
    check(X509_sign(cert, key, EVP_sha256()) > 0, "CA signing");
    key_ = key;
    cert_ = cert;
    cert_pem_ = to_pem(cert);
}

throwaway_ca::~throwaway_ca() {
    X509_free(static_cast<X509*>(cert_));
    EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

pem_pair throwaway_ca::issue(const std::vector<std::string>& dns_names,
                        const std::vector<std::string>& ips) const {
    auto* ca_cert = static_cast<X509*>(cert_);
    auto* key = new_key();
    X509* cert = new_cert(key, dns_names.empty() ? "fake-slack" : dns_names.front());
    X509_set_issuer_name(cert, X509_get_subject_name(ca_cert));
    std::string san;
    for (const auto& d : dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
    for (const auto& ip : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
    add_ext(cert, ca_cert, NID_subject_alt_name, san);
    add_ext(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert, ca_cert, NID_ext_key_usage, "serverAuth");
    check(X509_sign(cert, static_cast<EVP_PKEY*>(key_), EVP_sha256()) > 0, "server signing");
    pem_pair out{to_pem(key), to_pem(cert)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

std::string write_temp_file(const std::string& prefix, const std::string& text) {
    std::string path = "/tmp/" + prefix + "-XXXXXX";
    const int fd = mkstemp(path.data());
    check(fd >= 0, "temp file creation");
    close(fd);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

}  // namespace incident_bot::demo
