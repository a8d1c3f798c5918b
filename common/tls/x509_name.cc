#include "common/tls/x509_name.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace arbor::tls {
namespace {

// Java's RFC 2253 keywords; any other attribute is written as an OID.
const char* Keyword(int nid) {
  switch (nid) {
    case NID_commonName: return "CN";
    case NID_countryName: return "C";
    case NID_localityName: return "L";
    case NID_stateOrProvinceName: return "ST";
    case NID_organizationName: return "O";
    case NID_organizationalUnitName: return "OU";
    case NID_streetAddress: return "STREET";
    case NID_domainComponent: return "DC";
    case NID_userId: return "UID";
    default: return nullptr;
  }
}

std::string Escape(const std::string& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
                   (i == 0 && (c == '#' || c == ' ')) || (i + 1 == v.size() && c == ' ');
    if (special) out += '\\';
    out += c;
  }
  return out;
}

// "#" + hex of the value's DER encoding (tag, length, bytes).
std::string HexDer(const ASN1_STRING* s) {
  std::string der;
  der += static_cast<char>(ASN1_STRING_type(s));
  size_t n = static_cast<size_t>(ASN1_STRING_length(s));
  if (n < 128) {
    der += static_cast<char>(n);
  } else if (n < 256) {
    der += '\x81';
    der += static_cast<char>(n);
  } else {
    der += '\x82';
    der += static_cast<char>(n >> 8);
    der += static_cast<char>(n & 0xff);
  }
  der.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), n);
  static const char kHex[] = "0123456789abcdef";
  std::string out = "#";
  for (unsigned char c : der) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

std::string SubjectName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr) return "";
  std::string out;
  int last_set = -1;
  for (int i = X509_NAME_entry_count(name) - 1; i >= 0; --i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
    int set = X509_NAME_ENTRY_set(e);
    if (!out.empty()) out += set == last_set ? "+" : ",";
    last_set = set;
    if (const char* kw = Keyword(OBJ_obj2nid(obj))) {
      unsigned char* utf8 = nullptr;
      int len = ASN1_STRING_to_UTF8(&utf8, data);
      std::string value = len >= 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(len)) : "";
      OPENSSL_free(utf8);
      out += std::string(kw) + "=" + Escape(value);
    } else {
      char oid[128];
      OBJ_obj2txt(oid, sizeof(oid), obj, /*no_name=*/1);
      out += std::string(oid) + "=" + HexDer(data);
    }
  }
  return out;
}

}  // namespace arbor::tls
