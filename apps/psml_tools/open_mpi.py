"""The environment Open MPI needs on a laptop, in a container or as root (scripts/env.sh's), for
the mpirun and psml processes a Python tool starts."""

import os


def open_mpi_env(**extra):
    """os.environ with what scripts/env.sh sets where it is not set already, then `extra`."""
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    # Containers often forbid the cross-memory attach (ptrace) of vader's single-copy path.
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    # More ranks than cores (a laptop, a CI box).
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    env.update(extra)
    return env
