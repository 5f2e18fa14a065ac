# Sourced by the scripts: the environment Open MPI needs on a laptop, in a container or as root.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Containers often forbid the cross-memory-attach (ptrace) that vader's single-copy path uses.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
PSML_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PSML_BUILD=${PSML_BUILD:-$PSML_ROOT/build}
export PSML_ROOT PSML_BUILD
# A laptop or CI box has fewer cores than the ranks a test wants: allow oversubscription.
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
# A rank that exits non-zero (every psml error) would have mpirun add its own 11-line banner under
# psml's one line; quiet, mpirun passes on the exit status alone.
export OMPI_MCA_orte_execute_quiet=${OMPI_MCA_orte_execute_quiet:-1}
