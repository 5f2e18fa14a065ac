# The environment of every test in a PSML_SANITIZE build (scripts/test_sanitizers.sh exports the
# same, so ranks started by hand get it too).
#   detect_leaks=1: leaks are errors; lsan.supp lists Open MPI's own (see there for
#   fast_unwind_on_malloc=0 and disable_dlclose, which let its entries match).
#   halt_on_error / -fno-sanitize-recover: the first report ends the rank with a non-zero exit.
#   intercept_tls_get_addr=0: GCC 12's sanitizer runtime (as LLVM's before 17) takes a dynamic TLS
#   block whose address is 16 past a page boundary for one with a glibc 2.19 header and scans a
#   range it reads from the two words before it, so a rank whose allocations happen to land there
#   crashes at exit ("Tracer caught signal 11", "DTLS ... at 0x...4017"): 4-rank runs of
#   psml_mpi_tests did, by layout alone. Without the interceptor, LeakSanitizer does not scan
#   dynamic TLS (psml keeps no heap pointer only there).
#   PMIX_MCA_psec=^munge: where munge is installed (the Slurm test's), PMIx opens its munge
#   security plugin and libmunge (even when another one is chosen), whose dynamic TLS met the same
#   crash. Ranks that mpirun starts on one machine need no munge credentials.
set(PSML_SANITIZER_ENV
  "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1:intercept_tls_get_addr=0"
  "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan.supp:print_suppressions=0"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  OMPI_MCA_mca_base_component_disable_dlclose=1
  PMIX_MCA_psec=^munge)
