# server/metrics and server/admin: histograms and counters, their Prometheus
# exposition (checked line by line by a strict reader), admin credentials,
# /ready's rules and the JSON documents.
arbor_test(admin_unit_test LABEL unit
  SOURCES admin/metrics_test.cc admin/admin_rules_test.cc testing/prom_text_check.cc
  DEPS arbor_metrics arbor_admin)
