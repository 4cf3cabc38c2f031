"""rlgan's Hydra configuration tree, shipped inside the package as ``rlgan.conf``.

The YAML files in this folder are the configs of the ``rlgan-*`` commands: ``rl.yaml`` and
``gan.yaml`` are the primary configs and each sub-folder is a config group
(``conf/<group>/<option>.yaml``). :func:`rlgan.common.config.config_dir` locates this folder
both in a source checkout (editable install) and in an installed wheel.
"""
