# The environment of every test in a PSML_SANITIZE build (scripts/test_sanitizers.sh exports the
# same, so ranks started by hand get it too).
#   detect_leaks=1: leaks are errors; lsan.supp lists Open MPI's own (see there for
#   fast_unwind_on_malloc=0 and disable_dlclose, which let its entries match).
#   halt_on_error / -fno-sanitize-recover: the first report ends the rank with a non-zero exit.
#   PMIX_MCA_psec=^munge: where munge is installed (the Slurm test's), PMIx opens its munge
#   security plugin and libmunge (even when another one is chosen); GCC 12's LeakSanitizer then
#   crashes at exit on that library's dynamic TLS ("Tracer caught signal 11", "DTLS"). Ranks that
#   mpirun starts on one machine need no munge credentials.
set(PSML_SANITIZER_ENV
  "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1"
  "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan.supp:print_suppressions=0"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  OMPI_MCA_mca_base_component_disable_dlclose=1
  PMIX_MCA_psec=^munge)
