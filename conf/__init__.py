"""rlgan's Hydra configuration tree, shipped inside the package as ``rlgan.conf``.

The YAML files in this folder are the configs of the ``rlgan-*`` commands: ``rl.yaml`` and
``gan.yaml`` are the primary configs and each sub-folder is a config group
(``conf/<group>/<option>.yaml``). The commands find it as the package ``rlgan.conf``
(``config_path="pkg://rlgan.conf"``), both in a source checkout and in an installed wheel;
each app's presets live beside its code (``rlgan/<app>/presets``).
"""
