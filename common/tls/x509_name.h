// A certificate's subject as ZooKeeper's X509AuthenticationProvider names
// it: Java's X500Principal.getName(), the RFC 2253 form.
#pragma once

#include <string>

typedef struct x509_st X509;

namespace arbor::tls {

// The subject DN of `cert` in RFC 2253 form, most specific first
// ("CN=alice,OU=eng,O=Example,C=US"): the keywords Java writes (CN, C, L,
// ST, O, OU, STREET, DC, UID), any other attribute as its dotted OID with
// the value's DER encoding in hex ("1.2.840.113549.1.9.1=#16..." for an
// e-mail address), the characters RFC 2253 reserves escaped with '\'.
std::string SubjectName(X509* cert);

}  // namespace arbor::tls
