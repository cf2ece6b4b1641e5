"""Judge environments (the real tools, each set in its own cached venv) and their smoke tests.

Use ``judge_python("batch")`` for the interpreter, ``judge_bin("batch", "dbt")`` for a console
script, and ``offline_env(home)`` for the subprocess environment; in tests prefer the session
fixtures in ``tests/judges/fixtures.py`` (``batch_python``), which show build progress.
"""

from tests.judges.envs import JudgeEnvError, ensure_env, env_names, judge_bin, judge_python, offline_env

__all__ = ["JudgeEnvError", "ensure_env", "env_names", "judge_bin", "judge_python", "offline_env"]
