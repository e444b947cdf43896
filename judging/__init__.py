"""The judging core: what an exercise is, and how a piece of code is graded against it.

Plain Python with no Django import (tests/judging/test_package.py guards it), like `sandbox/`,
so that the site's grading, validation, `try_exercise` and the benches grade exactly alike.

    spec        the exercise format as typed, frozen objects (one class per check kind and input)
    reader      exercise.yaml -> ExerciseSpec, every problem with its file and line
    probes      the inputs of one grading, drawn on the trusted side from the submission's seed
    harness     the program that runs inside the sandbox and calls the student's entry (untrusted side)
    simulation  what torch does differently while a probe runs: a simulated device, scaled reloads
    harness_file  the harness's source as a job receives it (simulation's, then harness's), and its digest
    compare     tensors compared as torch.testing.assert_close does, with messages that say where
    verdicts    each check's verdict from the student's and the reference's answers
    api_check   api rules on the student's source, and the run-time record of its calls
    op_names    every name an operation is reachable by (ATen, torch's C namespaces, aliases)
    op_aliases  torch's documented aliases, generated from its OpInfo database
    tamper      the dynamic code that would defeat api rules, found in the source
    evaluation  evaluate(spec, solution_code, code, seed, backend): the entry point
    selftest    an exercise's alternatives and mistakes, graded on several seeds
    lints       authoring warnings (points earned without solving, tolerances tighter than the dtype,
                recorded-loss bands looser than the prompt's figure)
    mutants     mutants of the reference solution (22 operators), and the report of how they fared
    mutation    the mutants graded like submissions: the faults no check catches

Trust: everything here but `harness` and `simulation` runs on the trusted side and reads what a
sandbox job returned as a claim: validated, compared with the reference's answers or recomputed
from data that never entered the sandbox. Nothing here unpickles; `sandbox.wire` decodes.
"""
